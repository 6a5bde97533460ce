/* BLS12-381: field tower identities, group law, the compressed encodings
 * (generators against their published encodings, and the non-canonical
 * forms that must be rejected), and the pairing's bilinearity. */
#include <stdbool.h>
#include <stdint.h>

#include "base/hex.h"
#include "crypto/bls12_381.h"
#include "test.h"

static const char *G1_GEN_HEX =
	"97f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb";
static const char *G2_GEN_HEX =
	"93e02b6052719f607dacd3a088274f65596bd0d09920b61ab5da61bbdc7f5049334cf11213945d57e5ac7d055d042b7e"
	"024aa2b2f08f0a91260805272dc51051c6e47ad4fa403b02b4510b647ae3d1770bac0326a805bbefd48056c8c121bdb8";
/* [tau]G2 of the Ethereum KZG ceremony (c-kzg-4844 trusted_setup.txt). */
static const char *G2_TAU_HEX =
	"b5bfd7dd8cdeb128843bc287230af38926187075cbfbefa81009a2ce615ac53d2914e5870cb452d2afaaab24f3499f72"
	"185cbfee53492714734429b7b38608e23926c911cceceac9a36851477ba4c60b087041de621000edc98edada20c1def2";

/* p as little-endian limbs, for a^p by plain exponentiation. */
static const uint64_t P_LIMBS[6] = {
	0xb9feffffffffaaab, 0x1eabfffeb153ffff, 0x6730d2a0f6b0f624,
	0x64774b84f38512bf, 0x4b1ba7b6434bacd7, 0x1a0111ea397fe69a,
};

static void fp_small(bls_fp *r, uint64_t v)
{
	bls_fp_set_u64(r, v);
}

/* A dense Fp12 element with every coefficient distinct. */
static void fp12_sample(bls_fp12 *r, uint64_t seed)
{
	bls_fp *c = (bls_fp *)r;
	for (int i = 0; i < 12; i++) {
		bls_fp t;
		fp_small(&t, seed * 1000003 + (uint64_t)i * 7919 + 1);
		/* spread the value over all limbs */
		bls_fp_sqr(&t, &t);
		bls_fp_sqr(&t, &t);
		bls_fp_sqr(&t, &t);
		c[i] = t;
	}
}

static void test_fp(void)
{
	bls_fp a, b, c, one;
	bls_fp_one(&one);
	fp_small(&a, 123456789);
	bls_fp_inv(&b, &a);
	bls_fp_mul(&c, &a, &b);
	CHECK(bls_fp_eq(&c, &one));
	/* 4 = 2^2 has a root; -1 has none since p = 3 mod 4 */
	fp_small(&a, 4);
	CHECK(bls_fp_sqrt(&b, &a));
	bls_fp_sqr(&c, &b);
	CHECK(bls_fp_eq(&c, &a));
	bls_fp_neg(&a, &one);
	CHECK(!bls_fp_sqrt(&b, &a));
	CHECK(bls_fp_is_zero(&b));
	/* -1 is the largest element, 1 the smallest */
	CHECK(bls_fp_is_lexmax(&a));
	CHECK(!bls_fp_is_lexmax(&one));
	/* bytes round trip, and p itself is rejected */
	uint8_t bytes[48], back[48];
	CHECK_EQ_INT(hex_decode_exact("1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaaa",
				      bytes, 48), DURE_OK);
	CHECK_EQ_INT(bls_fp_from_bytes(&a, bytes), DURE_OK);
	CHECK(!bls_fp_is_zero(&a));
	bls_fp_add(&c, &a, &one);
	CHECK(bls_fp_is_zero(&c));
	bls_fp_to_bytes(back, &a);
	CHECK_MEM(back, bytes, 48);
	bytes[47] = 0xab;
	CHECK_EQ_INT(bls_fp_from_bytes(&a, bytes), DURE_EINVAL);
	CHECK(bls_fp_is_zero(&a));
}

static void test_fp2(void)
{
	bls_fp2 a, b, c, one;
	bls_fp2_one(&one);
	fp_small(&a.c0, 5);
	fp_small(&a.c1, 77);
	bls_fp2_inv(&b, &a);
	bls_fp2_mul(&c, &a, &b);
	CHECK(bls_fp2_eq(&c, &one));
	/* squaring agrees with multiplication, and a^2 has a root ±a */
	bls_fp2_sqr(&b, &a);
	bls_fp2_mul(&c, &a, &a);
	CHECK(bls_fp2_eq(&b, &c));
	CHECK(bls_fp2_sqrt(&c, &b));
	bls_fp2 na;
	bls_fp2_neg(&na, &a);
	CHECK(bls_fp2_eq(&c, &a) || bls_fp2_eq(&c, &na));
	/* u^2 = -1: the root of -1 is ±u */
	bls_fp2_neg(&b, &one);
	CHECK(bls_fp2_sqrt(&c, &b));
	CHECK(bls_fp_is_zero(&c.c0));
	/* u + 1 is a non-residue (it defines Fp6) */
	fp_small(&a.c0, 1);
	fp_small(&a.c1, 1);
	CHECK(!bls_fp2_sqrt(&c, &a));
	CHECK(bls_fp2_is_zero(&c));
}

static void test_fp12(void)
{
	bls_fp12 a, b, c, d;
	fp12_sample(&a, 1);
	fp12_sample(&b, 2);
	/* inverse, squaring, commutativity */
	bls_fp12_inv(&c, &a);
	bls_fp12_mul(&d, &a, &c);
	CHECK(bls_fp12_is_one(&d));
	bls_fp12_sqr(&c, &a);
	bls_fp12_mul(&d, &a, &a);
	CHECK(bls_fp12_eq(&c, &d));
	bls_fp12_mul(&c, &a, &b);
	bls_fp12_mul(&d, &b, &a);
	CHECK(bls_fp12_eq(&c, &d));
	/* the Frobenius constants: frob(a) == a^p, and frob^12 is the identity */
	bls_fp12_frob(&c, &a);
	bls_fp12_pow(&d, &a, P_LIMBS, 6);
	CHECK(bls_fp12_eq(&c, &d));
	d = a;
	for (int i = 0; i < 12; i++)
		bls_fp12_frob(&d, &d);
	CHECK(bls_fp12_eq(&d, &a));
	/* conj is frob^6 */
	d = a;
	for (int i = 0; i < 6; i++)
		bls_fp12_frob(&d, &d);
	bls_fp12_conj(&c, &a);
	CHECK(bls_fp12_eq(&c, &d));

	/* cyclotomic squaring agrees with squaring on g = a^((p^6-1)(p^2+1)) */
	bls_fp12 g;
	bls_fp12_inv(&d, &a);
	bls_fp12_mul(&g, &c, &d);
	bls_fp12_frob(&d, &g);
	bls_fp12_frob(&d, &d);
	bls_fp12_mul(&g, &g, &d);
	for (int i = 0; i < 3; i++) {
		bls_fp12_sqr(&c, &g);
		bls_fp12_cyclotomic_sqr(&d, &g);
		CHECK(bls_fp12_eq(&c, &d));
		g = c;
	}
	/* and differs on a generic element, which the identity does not cover */
	bls_fp12_sqr(&c, &a);
	bls_fp12_cyclotomic_sqr(&d, &a);
	CHECK(!bls_fp12_eq(&c, &d));
}

static void test_generators(void)
{
	uint8_t enc[96], out[96];
	bls_g1 g1, p1;
	bls_g2 g2, p2;
	bls_g1_generator(&g1);
	bls_g2_generator(&g2);
	CHECK(bls_g1_on_curve(&g1));
	CHECK(bls_g2_on_curve(&g2));
	CHECK(bls_g1_in_subgroup(&g1));
	CHECK(bls_g2_in_subgroup(&g2));

	CHECK_EQ_INT(hex_decode_exact(G1_GEN_HEX, enc, 48), DURE_OK);
	bls_g1_compress(out, &g1);
	CHECK_MEM(out, enc, 48);
	CHECK_EQ_INT(bls_g1_decompress(&p1, enc), DURE_OK);
	CHECK(bls_g1_eq(&p1, &g1));

	CHECK_EQ_INT(hex_decode_exact(G2_GEN_HEX, enc, 96), DURE_OK);
	bls_g2_compress(out, &g2);
	CHECK_MEM(out, enc, 96);
	CHECK_EQ_INT(bls_g2_decompress(&p2, enc), DURE_OK);
	CHECK(bls_g2_eq(&p2, &g2));

	/* The negated generator flips only the sign bit. */
	bls_g1_neg(&p1, &g1);
	bls_g1_compress(out, &p1);
	CHECK_EQ_INT(out[0], 0xb7);

	/* [tau]G2 decodes to a subgroup point that round-trips. */
	CHECK_EQ_INT(hex_decode_exact(G2_TAU_HEX, enc, 96), DURE_OK);
	CHECK_EQ_INT(bls_g2_decompress(&p2, enc), DURE_OK);
	bls_g2_compress(out, &p2);
	CHECK_MEM(out, enc, 96);
}

static void test_group_law(void)
{
	bls_g1 g, a, b, c;
	bls_g2 h, x, y, z;
	uint8_t k2[1] = {2}, k3[1] = {3}, k5[1] = {5};
	bls_g1_generator(&g);
	bls_g2_generator(&h);

	bls_g1_mul(&a, &g, k2, 1);
	bls_g1_dbl(&b, &g);
	CHECK(bls_g1_eq(&a, &b));
	bls_g1_add(&b, &g, &g);
	CHECK(bls_g1_eq(&a, &b));
	bls_g1_mul(&b, &g, k3, 1);
	bls_g1_add(&c, &a, &b);
	bls_g1_mul(&a, &g, k5, 1);
	CHECK(bls_g1_eq(&a, &c));
	CHECK(bls_g1_on_curve(&c));
	CHECK(!bls_g1_eq(&a, &g));
	bls_g1_neg(&b, &a);
	bls_g1_add(&c, &a, &b);
	CHECK(bls_g1_is_inf(&c));

	bls_g2_mul(&x, &h, k2, 1);
	bls_g2_add(&y, &h, &h);
	CHECK(bls_g2_eq(&x, &y));
	bls_g2_mul(&y, &h, k3, 1);
	bls_g2_add(&z, &x, &y);
	bls_g2_mul(&x, &h, k5, 1);
	CHECK(bls_g2_eq(&x, &z));
	CHECK(bls_g2_on_curve(&z));
	bls_g2_neg(&y, &x);
	bls_g2_add(&z, &x, &y);
	CHECK(bls_g2_is_inf(&z));

	/* Infinity encodes as 0xc0 followed by zeros and decodes back. */
	uint8_t out[96];
	bls_g1_compress(out, &c);
	CHECK_EQ_INT(out[0], 0xc0);
	CHECK_EQ_INT(bls_g1_decompress(&a, out), DURE_OK);
	CHECK(bls_g1_is_inf(&a));
	bls_g2_compress(out, &z);
	CHECK_EQ_INT(out[0], 0xc0);
	CHECK_EQ_INT(bls_g2_decompress(&x, out), DURE_OK);
	CHECK(bls_g2_is_inf(&x));
}

/* Points on the curve outside the order-r subgroup: the curve has cofactor
 * h > 1, so small x with x^3 + 4 a square give such points. */
static void test_subgroup_rejects(void)
{
	int found = 0;
	for (uint64_t xv = 1; xv < 40 && found < 3; xv++) {
		bls_g1 p;
		bls_fp rhs, four;
		fp_small(&p.x, xv);
		fp_small(&four, 4);
		bls_fp_sqr(&rhs, &p.x);
		bls_fp_mul(&rhs, &rhs, &p.x);
		bls_fp_add(&rhs, &rhs, &four);
		if (!bls_fp_sqrt(&p.y, &rhs))
			continue;
		bls_fp_one(&p.z);
		CHECK(bls_g1_on_curve(&p));
		CHECK(!bls_g1_in_subgroup(&p));
		uint8_t enc[48];
		bls_g1_compress(enc, &p);
		bls_g1 q;
		CHECK_EQ_INT(bls_g1_decompress(&q, enc), DURE_EINVAL);
		CHECK(bls_g1_is_inf(&q));
		found++;
	}
	CHECK_EQ_INT(found, 3);

	/* G2: x = 1 + 0u upward until the twist equation has a root. */
	found = 0;
	for (uint64_t xv = 1; xv < 40 && found < 2; xv++) {
		bls_g2 p;
		bls_fp2 rhs, b;
		fp_small(&p.x.c0, xv);
		bls_fp_zero(&p.x.c1);
		fp_small(&b.c0, 4);
		fp_small(&b.c1, 4);
		bls_fp2_sqr(&rhs, &p.x);
		bls_fp2_mul(&rhs, &rhs, &p.x);
		bls_fp2_add(&rhs, &rhs, &b);
		if (!bls_fp2_sqrt(&p.y, &rhs))
			continue;
		bls_fp2_one(&p.z);
		CHECK(bls_g2_on_curve(&p));
		CHECK(!bls_g2_in_subgroup(&p));
		uint8_t enc[96];
		bls_g2_compress(enc, &p);
		bls_g2 q;
		CHECK_EQ_INT(bls_g2_decompress(&q, enc), DURE_EINVAL);
		found++;
	}
	CHECK_EQ_INT(found, 2);
}

static void test_encoding_rejects(void)
{
	uint8_t enc[96];
	bls_g1 p;
	bls_g2 q;
	/* G1: missing compression flag, infinity with sign or payload, x >= p */
	CHECK_EQ_INT(hex_decode_exact(G1_GEN_HEX, enc, 48), DURE_OK);
	enc[0] &= 0x7f;
	CHECK_EQ_INT(bls_g1_decompress(&p, enc), DURE_EINVAL);
	memset(enc, 0, 48);
	enc[0] = 0xe0;
	CHECK_EQ_INT(bls_g1_decompress(&p, enc), DURE_EINVAL);
	enc[0] = 0xc0;
	enc[47] = 1;
	CHECK_EQ_INT(bls_g1_decompress(&p, enc), DURE_EINVAL);
	enc[0] = 0xc1;
	enc[47] = 0;
	CHECK_EQ_INT(bls_g1_decompress(&p, enc), DURE_EINVAL);
	CHECK_EQ_INT(hex_decode_exact("9a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaab",
				      enc, 48), DURE_OK);
	CHECK_EQ_INT(bls_g1_decompress(&p, enc), DURE_EINVAL);
	/* x = 0 gives (0, ±2), points of order 3: on the curve, outside the
	 * subgroup. */
	memset(enc, 0, 48);
	enc[0] = 0x80;
	CHECK_EQ_INT(bls_g1_decompress(&p, enc), DURE_EINVAL);

	/* G2: missing flag, infinity with payload, x.c1 >= p, x.c0 >= p */
	CHECK_EQ_INT(hex_decode_exact(G2_GEN_HEX, enc, 96), DURE_OK);
	enc[0] &= 0x7f;
	CHECK_EQ_INT(bls_g2_decompress(&q, enc), DURE_EINVAL);
	memset(enc, 0, 96);
	enc[0] = 0xc0;
	enc[95] = 1;
	CHECK_EQ_INT(bls_g2_decompress(&q, enc), DURE_EINVAL);
	CHECK(bls_g2_is_inf(&q));
	CHECK_EQ_INT(hex_decode_exact(G2_GEN_HEX, enc, 96), DURE_OK);
	memset(enc + 48, 0xff, 48);
	CHECK_EQ_INT(bls_g2_decompress(&q, enc), DURE_EINVAL);
	CHECK_EQ_INT(hex_decode_exact(G2_GEN_HEX, enc, 96), DURE_OK);
	enc[0] |= 0x1f;
	memset(enc + 1, 0xff, 47);
	CHECK_EQ_INT(bls_g2_decompress(&q, enc), DURE_EINVAL);
}

static void test_pairing(void)
{
	bls_g1 g, ap, abp;
	bls_g2 h, bq, abq;
	bls_fp12 e1, e2, e3, base;
	uint8_t a[2] = {0x12, 0x34}, b[2] = {0x0a, 0xbc};
	uint8_t ab[3] = {0xc3, 0x66, 0x30}; /* 0x1234 * 0x0abc */
	bls_g1_generator(&g);
	bls_g2_generator(&h);

	/* non-degenerate, and of order r */
	bls_pairing(&base, &g, &h);
	CHECK(!bls_fp12_is_one(&base));
	static const uint64_t R_LIMBS[4] = {
		0xffffffff00000001, 0x53bda402fffe5bfe,
		0x3339d80809a1d805, 0x73eda753299d7d48,
	};
	bls_fp12_pow(&e1, &base, R_LIMBS, 4);
	CHECK(bls_fp12_is_one(&e1));

	/* e(aP, bQ) == e(abP, Q) == e(P, abQ) == e(P, Q)^ab */
	bls_g1_mul(&ap, &g, a, 2);
	bls_g2_mul(&bq, &h, b, 2);
	bls_g1_mul(&abp, &g, ab, 3);
	bls_g2_mul(&abq, &h, ab, 3);
	bls_pairing(&e1, &ap, &bq);
	bls_pairing(&e2, &abp, &h);
	bls_pairing(&e3, &g, &abq);
	CHECK(bls_fp12_eq(&e1, &e2));
	CHECK(bls_fp12_eq(&e1, &e3));
	static const uint64_t AB[1] = {0xc36630};
	bls_fp12_pow(&e2, &base, AB, 1);
	CHECK(bls_fp12_eq(&e1, &e2));
	bls_pairing(&e2, &ap, &h);
	CHECK(!bls_fp12_eq(&e1, &e2));

	/* product checks: e(aP, bQ) e(-abP, Q) == 1, but not with abP */
	bls_g1 ps[2];
	bls_g2 qs[2] = {bq, h};
	ps[0] = ap;
	bls_g1_neg(&ps[1], &abp);
	CHECK(bls_pairing_check(ps, qs, 2));
	ps[1] = abp;
	CHECK(!bls_pairing_check(ps, qs, 2));

	/* more pairs than one Miller chunk: five copies of e(P,Q) e(-P,Q) */
	bls_g1 many_p[10];
	bls_g2 many_q[10];
	for (int i = 0; i < 10; i++) {
		many_p[i] = g;
		if (i & 1)
			bls_g1_neg(&many_p[i], &g);
		many_q[i] = h;
	}
	CHECK(bls_pairing_check(many_p, many_q, 10));
	CHECK(!bls_pairing_check(many_p, many_q, 9));

	/* infinity on either side contributes 1 */
	bls_g1 inf1;
	bls_g2 inf2;
	bls_g1_set_inf(&inf1);
	bls_g2_set_inf(&inf2);
	bls_pairing(&e1, &inf1, &h);
	CHECK(bls_fp12_is_one(&e1));
	bls_pairing(&e1, &g, &inf2);
	CHECK(bls_fp12_is_one(&e1));
	CHECK(bls_pairing_check(ps, qs, 0));
}

TEST_MAIN(test_fp, test_fp2, test_fp12, test_generators, test_group_law,
	  test_subgroup_rejects, test_encoding_rejects, test_pairing)
