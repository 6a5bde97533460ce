/* The digests wallets sign for messages: EIP-712 typed data
 * (eth_signTypedData_v4) and EIP-191 version 0x45 personal messages
 * (personal_sign, eth_sign).
 *
 * Typed data is the JSON object of eth_signTypedData_v4:
 *
 *   {"types": {"EIP712Domain": [{"name": "name", "type": "string"}, ...],
 *              "Mail": [{"name": "from", "type": "Person"}, ...], ...},
 *    "primaryType": "Mail", "domain": {...}, "message": {...}}
 *
 * Member types are the atomic uint8..uint256, int8..int256, bool, address
 * and bytes1..bytes32, the dynamic bytes and string, struct names of
 * "types", and arrays of any of them, T[] and T[n], nested to any depth
 * (v4). Values come as ethers and viem send them: integers as JSON
 * numbers (integral, at most 2^53 - 1 in magnitude when not integers in
 * the JSON text) or as decimal or 0x-hex strings with an optional minus
 * sign; bool as true or false; address, bytes and bytesN as 0x-hex
 * strings (bytesN exactly N bytes); string as a JSON string. Every member
 * of a struct must be present and nothing else: a field the type does not
 * name is refused (as geth does), since a wallet would show it although
 * the signature does not cover it. */
#ifndef DURE_API_EIP712_H
#define DURE_API_EIP712_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "base/bytes.h"
#include "base/err.h"

/* The deepest nesting of structs and arrays in a value, and the most
 * members a struct type may have. */
#define EIP712_MAX_DEPTH 64
#define EIP712_MAX_FIELDS 256

/* Writes keccak256(0x19 0x01 || domainSeparator || hashStruct(message)) of
 * typed_data to *out, where domainSeparator is hashStruct of "domain" as an
 * EIP712Domain (which "types" must define). With primaryType EIP712Domain
 * the message part is left out, as MetaMask does. Returns 0, or DURE_EJSON
 * for typed data that is not of the shape above: an unknown type, a member
 * missing or extra, a value of the wrong kind or out of its type's range,
 * an array of the wrong length, nesting beyond EIP712_MAX_DEPTH (*out is
 * then zeroed), or DURE_ENOMEM. */
DURE_WUR int eip712_hash(const json_t *typed_data, h256 *out);

/* As eip712_hash, and on failure also writes a NUL-terminated reason
 * ("message.from.wallet: address must be 20 bytes of 0x-hex") to
 * why[0..whylen) when why is not NULL. */
DURE_WUR int eip712_hash_why(const json_t *typed_data, h256 *out, char *why,
                             size_t whylen);

/* Writes keccak256("\x19Ethereum Signed Message:\n" || decimal n || msg) to
 * *out: the digest personal_sign and eth_sign sign. msg may be NULL when n
 * is 0. */
void eip191_hash(const uint8_t *msg, size_t n, h256 *out);

#endif
