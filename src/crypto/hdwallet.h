/* BIP-39 mnemonics and BIP-32 private key derivation: the keys a dev node
 * funds from a mnemonic, and the ones wallets derive from the same words.
 *
 * Mnemonics are English BIP-39 sentences: 12, 15, 18, 21 or 24 words of the
 * official word list, separated by single spaces (leading and trailing
 * whitespace is ignored), whose last word carries the checksum. We do no
 * Unicode normalisation (NFKD), so the mnemonic and the passphrase must be
 * ASCII, where NFKD changes nothing; anything else is refused rather than
 * hashed into a seed no other wallet would derive.
 *
 * Derivation paths are BIP-32 paths of private derivation: "m", then
 * "/index" steps, an index below 2^31 optionally followed by ' or h for a
 * hardened step ("m/44'/60'/0'/0/7"). Secrets held on the way are wiped;
 * outputs are zeroed on failure. */
#ifndef DURE_CRYPTO_HDWALLET_H
#define DURE_CRYPTO_HDWALLET_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

/* The most steps a derivation path may have; deeper paths are refused
 * (BIP-32 serialises the depth in one byte; wallets use five). */
#define HD_PATH_MAX_DEPTH 255

/* The longest passphrase hd_seed_from_mnemonic accepts, in bytes. */
#define HD_PASSPHRASE_MAX 1024

/* The index'th word (0..2047) of the BIP-39 English word list, or NULL when
 * index is out of range. The string is static. */
const char *hd_bip39_word(unsigned index);

/* Checks that mnemonic is a BIP-39 English sentence with a valid checksum.
 * Returns 0, or DURE_EMNEMONIC for a word count other than 12..24 in steps
 * of 3, an unknown word, two separators in a row, a non-ASCII byte, or a
 * wrong checksum. */
DURE_WUR int hd_mnemonic_check(const char *mnemonic);

/* Writes the mnemonic of entropy ent[0..n) (n = 16, 20, 24, 28 or 32) to
 * out as a NUL-terminated sentence. outlen bytes are available; 24 words of
 * at most 8 letters need 216. Returns 0, DURE_EINVAL for another n, or
 * DURE_ERANGE when out is too small (out is then an empty string). */
DURE_WUR int hd_mnemonic_from_entropy(const uint8_t *ent, size_t n,
                                      char *out, size_t outlen);

/* The BIP-39 seed of mnemonic: PBKDF2-HMAC-SHA512 of the sentence (trimmed)
 * with salt "mnemonic" || passphrase, 2048 iterations. passphrase may be
 * NULL (the empty passphrase). The mnemonic is checked first, as
 * hd_mnemonic_check does. Returns 0, DURE_EMNEMONIC, DURE_EINVAL for a
 * passphrase that is not ASCII or is longer than HD_PASSPHRASE_MAX, or
 * DURE_ENOMEM. */
DURE_WUR int hd_seed_from_mnemonic(const char *mnemonic, const char *passphrase,
                                   uint8_t seed[64]);

/* Derives the private key at path from seed[0..seed_len) (16 to 64 bytes,
 * as BIP-32 allows), and its chain code when chain_code is not NULL.
 * Returns 0, DURE_EINVAL for a seed length out of range, DURE_EHD_PATH for a
 * malformed path (not starting with "m", an empty or non-decimal index, a
 * leading zero, an index of 2^31 or more, more than HD_PATH_MAX_DEPTH
 * steps), or DURE_EKEY when a step yields an invalid key (an HMAC half not
 * below the group order, or a zero key: BIP-32 says to skip to the next
 * index, which a fixed path cannot, so we refuse it). */
DURE_WUR int hd_derive(const uint8_t *seed, size_t seed_len, const char *path,
                       uint8_t seckey[32], uint8_t chain_code[32]);

/* The key of a dev account: m/44'/60'/0'/0/index from mnemonic with an empty
 * passphrase, as Hardhat, Anvil and Ganache derive theirs. index must be
 * below 2^31. Returns 0, or an error of hd_seed_from_mnemonic or
 * hd_derive. */
DURE_WUR int hd_dev_key(const char *mnemonic, uint32_t index,
                        uint8_t seckey[32]);

#endif
