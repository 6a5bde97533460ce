/* verify_kzg_proof of EIP-4844 (consensus-specs deneb polynomial-commitments):
 *
 *   input   commitment C (48 bytes, compressed G1)
 *           z, y        (32 bytes each, big-endian, below r)
 *           proof pi    (48 bytes, compressed G1)
 *   holds   e(C - [y]G1, G2) == e(pi, [tau]G2 - [z]G2)
 *
 * which is checked in the equivalent form, moving the scalar multiplication
 * into the cheaper group G1 and both G2 points to constants:
 *
 *   e(C - [y]G1 + [z]pi, G2) · e(-pi, [tau]G2) == 1 */
#include "crypto/kzg.h"

#include <string.h>

#include "crypto/bls12_381.h"

/* BLS_MODULUS, the order r of G1, big-endian. */
static const uint8_t BLS_MODULUS[32] = {
	0x73, 0xed, 0xa7, 0x53, 0x29, 0x9d, 0x7d, 0x48, 0x33, 0x39, 0xd8,
	0x08, 0x09, 0xa1, 0xd8, 0x05, 0x53, 0xbd, 0xa4, 0x02, 0xff, 0xfe,
	0x5b, 0xfe, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x01,
};

/* [tau]G2 of the Ethereum KZG ceremony: KZG_SETUP_G2[1], the second G2 line
 * of trusted_setup.txt in ethereum/c-kzg-4844 (also g2_monomial[1] of the
 * consensus-specs mainnet trusted_setup_4096.json), compressed:
 *   b5bfd7dd8cdeb128843bc287230af38926187075cbfbefa81009a2ce615ac53d
 *   2914e5870cb452d2afaaab24f3499f72185cbfee53492714734429b7b38608e2
 *   3926c911cceceac9a36851477ba4c60b087041de621000edc98edada20c1def2
 * Stored decompressed (affine, Montgomery form) so that a verification does
 * not repeat the square root and subgroup check; the valid-proof vectors of
 * the unit test fail if these limbs are wrong. */
static const bls_g2 SETUP_G2_TAU = {
	{{{0x6120a2099b0379f9, 0xa2df815cb8210e4e, 0xcb57be5577bd3d4f,
	   0x62da0ea89a0c93f8, 0x02e0ee16968e150d, 0x171f09aea833acd5}},
	 {{0x11a3670749dfd455, 0x04991d7b3abffadc, 0x85446a8e14437f41,
	   0x27174e7b4e76e3f2, 0x7bfa6dd397f60a20, 0x02fcc329ac07080f}}},
	{{{0xaa130838793b2317, 0xe236dd220f891637, 0x6502782925760980,
	   0xd05c25f60557ec89, 0x6095767a44064474, 0x185693917080d405}},
	 {{0x549f9e175b03dc0a, 0x32c0c95a77106cfe, 0x64a74eae5705d080,
	   0x53deeaf56659ed9e, 0x09a1d368508afb93, 0x12cf3a4525b5e9bd}}},
	{{{0x760900000002fffd, 0xebf4000bc40c0002, 0x5f48985753c758ba,
	   0x77ce585370525745, 0x5c071a97a256ec6d, 0x15f65ec3fa80e493}},
	 {{0, 0, 0, 0, 0, 0}}},
};

/* bytes_to_bls_field: a canonical field element is below r. */
static bool is_field_element(const uint8_t v[32])
{
	return memcmp(v, BLS_MODULUS, 32) < 0;
}

int kzg_verify_proof(const uint8_t commitment[48], const uint8_t z[32],
		     const uint8_t y[32], const uint8_t proof[48], bool *ok)
{
	*ok = false;
	if (!is_field_element(z) || !is_field_element(y))
		return DURE_EINVAL;
	bls_g1 c, pi;
	if (bls_g1_decompress(&c, commitment) != DURE_OK ||
	    bls_g1_decompress(&pi, proof) != DURE_OK)
		return DURE_EINVAL;

	bls_g1 p[2], t;
	bls_g2 q[2];
	bls_g1_generator(&t);
	bls_g1_mul(&t, &t, y, 32);
	bls_g1_neg(&t, &t);
	bls_g1_add(&p[0], &c, &t);
	bls_g1_mul(&t, &pi, z, 32);
	bls_g1_add(&p[0], &p[0], &t);
	bls_g1_neg(&p[1], &pi);
	bls_g2_generator(&q[0]);
	q[1] = SETUP_G2_TAU;
	*ok = bls_pairing_check(p, q, 2);
	return DURE_OK;
}
