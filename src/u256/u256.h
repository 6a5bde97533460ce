/* 256-bit integers for the EVM, balances and gas: four 64-bit limbs,
 * least significant first (w[0]). Unsigned by default; the s* functions read
 * the same bits as two's complement.
 *
 * All operations are total and wrap modulo 2^256 as the EVM specifies:
 * division or modulo by zero gives zero, shifts of 256 or more give zero
 * (or all ones for sar of a negative value).
 *
 * The cheap operations the interpreter runs on every instruction (compare,
 * add, sub, bitwise) are static inline here; the rest live in u256.c. No
 * function allocates, and every pointer argument may alias another. */
#ifndef DURE_U256_H
#define DURE_U256_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "base/err.h"

typedef struct u256 { uint64_t w[4]; } u256;

#define U256_ZERO ((u256){{0, 0, 0, 0}})
#define U256_MAX ((u256){{UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX}})

static inline u256 u256_from_u64(uint64_t v) { return (u256){{v, 0, 0, 0}}; }

static inline bool u256_is_zero(const u256 *a)
{
	return (a->w[0] | a->w[1] | a->w[2] | a->w[3]) == 0;
}

static inline bool u256_eq(const u256 *a, const u256 *b)
{
	return ((a->w[0] ^ b->w[0]) | (a->w[1] ^ b->w[1]) | (a->w[2] ^ b->w[2]) |
	        (a->w[3] ^ b->w[3])) == 0;
}

/* True if a fits in 64 bits. */
static inline bool u256_fits_u64(const u256 *a)
{
	return (a->w[1] | a->w[2] | a->w[3]) == 0;
}

/* True if the sign bit (bit 255) is set. */
static inline bool u256_is_neg(const u256 *a) { return a->w[3] >> 63; }

/* Limb helpers for the inline functions below: x + y + *carry and
 * x - y - *borrow, with the carry or borrow (0 or 1) written back. The
 * callers spell out all four limbs (or unroll), since gcc -O2 leaves such
 * loops rolled. On x86-64 the carry intrinsics let gcc and clang chain the
 * limbs through the carry flag (adc, sbb); the portable form costs a setb
 * and an or per limb. */
static inline uint64_t u256_addc_(uint64_t x, uint64_t y, uint64_t *carry)
{
#if defined(__x86_64__)
	unsigned long long s;
	*carry = _addcarry_u64((unsigned char)*carry, x, y, &s);
	return s;
#else
	uint64_t s;
	uint64_t c1 = __builtin_add_overflow(x, y, &s);
	uint64_t c2 = __builtin_add_overflow(s, *carry, &s);
	*carry = c1 | c2;
	return s;
#endif
}

static inline uint64_t u256_subb_(uint64_t x, uint64_t y, uint64_t *borrow)
{
#if defined(__x86_64__)
	unsigned long long d;
	*borrow = _subborrow_u64((unsigned char)*borrow, x, y, &d);
	return d;
#else
	uint64_t d;
	uint64_t b1 = __builtin_sub_overflow(x, y, &d);
	uint64_t b2 = __builtin_sub_overflow(d, *borrow, &d);
	*borrow = b1 | b2;
	return d;
#endif
}

/* Comparison */
static inline bool u256_lt(const u256 *a, const u256 *b)
{
	if (a->w[3] != b->w[3])
		return a->w[3] < b->w[3];
	if (a->w[2] != b->w[2])
		return a->w[2] < b->w[2];
	if (a->w[1] != b->w[1])
		return a->w[1] < b->w[1];
	return a->w[0] < b->w[0];
}

static inline bool u256_gt(const u256 *a, const u256 *b) { return u256_lt(b, a); }

static inline bool u256_slt(const u256 *a, const u256 *b)
{
	/* Flipping the sign bit maps two's complement order onto unsigned order. */
	const uint64_t s = (uint64_t)1 << 63;
	u256 x = {{a->w[0], a->w[1], a->w[2], a->w[3] ^ s}};
	u256 y = {{b->w[0], b->w[1], b->w[2], b->w[3] ^ s}};
	return u256_lt(&x, &y);
}

static inline bool u256_sgt(const u256 *a, const u256 *b) { return u256_slt(b, a); }

/* Returns -1, 0 or 1. */
static inline int u256_cmp(const u256 *a, const u256 *b)
{
	for (int i = 3; i >= 0; i--)
		if (a->w[i] != b->w[i])
			return a->w[i] < b->w[i] ? -1 : 1;
	return 0;
}

/* Arithmetic, all modulo 2^256. */
/* On x86-64, add and sub are spelled as add/adc and sub/sbb chains: gcc
 * builds the carry of the portable form with setb and or, twice as many
 * instructions, and these two run on almost every EVM ADD and SUB. */
static inline u256 u256_add(const u256 *a, const u256 *b)
{
#if defined(__x86_64__)
	uint64_t r0 = a->w[0], r1 = a->w[1], r2 = a->w[2], r3 = a->w[3];
	__asm__("addq %4, %0\n\tadcq %5, %1\n\tadcq %6, %2\n\tadcq %7, %3"
	        : "+&r"(r0), "+&r"(r1), "+&r"(r2), "+&r"(r3)
	        : "rm"(b->w[0]), "rm"(b->w[1]), "rm"(b->w[2]), "rm"(b->w[3])
	        : "cc");
	return (u256){{r0, r1, r2, r3}};
#else
	uint64_t c = 0;
	u256 r;
	r.w[0] = u256_addc_(a->w[0], b->w[0], &c);
	r.w[1] = u256_addc_(a->w[1], b->w[1], &c);
	r.w[2] = u256_addc_(a->w[2], b->w[2], &c);
	r.w[3] = a->w[3] + b->w[3] + c;
	return r;
#endif
}

static inline u256 u256_sub(const u256 *a, const u256 *b)
{
#if defined(__x86_64__)
	uint64_t r0 = a->w[0], r1 = a->w[1], r2 = a->w[2], r3 = a->w[3];
	__asm__("subq %4, %0\n\tsbbq %5, %1\n\tsbbq %6, %2\n\tsbbq %7, %3"
	        : "+&r"(r0), "+&r"(r1), "+&r"(r2), "+&r"(r3)
	        : "rm"(b->w[0]), "rm"(b->w[1]), "rm"(b->w[2]), "rm"(b->w[3])
	        : "cc");
	return (u256){{r0, r1, r2, r3}};
#else
	uint64_t c = 0;
	u256 r;
	r.w[0] = u256_subb_(a->w[0], b->w[0], &c);
	r.w[1] = u256_subb_(a->w[1], b->w[1], &c);
	r.w[2] = u256_subb_(a->w[2], b->w[2], &c);
	r.w[3] = a->w[3] - b->w[3] - c;
	return r;
#endif
}

u256 u256_mul(const u256 *a, const u256 *b);
u256 u256_div(const u256 *a, const u256 *b);
u256 u256_sdiv(const u256 *a, const u256 *b);
u256 u256_mod(const u256 *a, const u256 *b);
u256 u256_smod(const u256 *a, const u256 *b);
u256 u256_addmod(const u256 *a, const u256 *b, const u256 *m);
u256 u256_mulmod(const u256 *a, const u256 *b, const u256 *m);
u256 u256_exp(const u256 *base, const u256 *exponent);
/* EVM SIGNEXTEND: extends the sign of byte number b (0 = least significant)
 * of x; b >= 31 returns x. Inline: branch-free past the range check, and
 * too short to pay for a call. */
static inline u256 u256_signextend(const u256 *b, const u256 *x)
{
	if (!u256_fits_u64(b) || b->w[0] >= 31)
		return *x;
	unsigned bit = (unsigned)b->w[0] * 8 + 7, limb = bit / 64, off = bit % 64;
	uint64_t fill = -((x->w[limb] >> off) & 1);
	/* Bits 0..off; for off = 63 the shift gives 0 and the mask wraps to all
	 * ones, as it should. */
	uint64_t keep = ((uint64_t)2 << off) - 1;
	u256 r;
#pragma GCC unroll 4
	for (unsigned i = 0; i < 4; i++) {
		uint64_t m = i < limb ? UINT64_MAX : i == limb ? keep : 0;
		r.w[i] = (x->w[i] & m) | (fill & ~m);
	}
	return r;
}

/* Checked arithmetic for balances: return true on overflow (or underflow).
 * *r always receives the result modulo 2^256. */
static inline bool u256_add_overflow(u256 *r, const u256 *a, const u256 *b)
{
	uint64_t c = 0;
	u256 t;
	t.w[0] = u256_addc_(a->w[0], b->w[0], &c);
	t.w[1] = u256_addc_(a->w[1], b->w[1], &c);
	t.w[2] = u256_addc_(a->w[2], b->w[2], &c);
	t.w[3] = u256_addc_(a->w[3], b->w[3], &c);
	*r = t;
	return c;
}

static inline bool u256_sub_underflow(u256 *r, const u256 *a, const u256 *b)
{
	uint64_t c = 0;
	u256 t;
	t.w[0] = u256_subb_(a->w[0], b->w[0], &c);
	t.w[1] = u256_subb_(a->w[1], b->w[1], &c);
	t.w[2] = u256_subb_(a->w[2], b->w[2], &c);
	t.w[3] = u256_subb_(a->w[3], b->w[3], &c);
	*r = t;
	return c;
}

bool u256_mul_overflow(u256 *r, const u256 *a, const u256 *b);

/* Bitwise */
static inline u256 u256_and(const u256 *a, const u256 *b)
{
	return (u256){{a->w[0] & b->w[0], a->w[1] & b->w[1], a->w[2] & b->w[2],
	               a->w[3] & b->w[3]}};
}

static inline u256 u256_or(const u256 *a, const u256 *b)
{
	return (u256){{a->w[0] | b->w[0], a->w[1] | b->w[1], a->w[2] | b->w[2],
	               a->w[3] | b->w[3]}};
}

static inline u256 u256_xor(const u256 *a, const u256 *b)
{
	return (u256){{a->w[0] ^ b->w[0], a->w[1] ^ b->w[1], a->w[2] ^ b->w[2],
	               a->w[3] ^ b->w[3]}};
}

static inline u256 u256_not(const u256 *a)
{
	return (u256){{~a->w[0], ~a->w[1], ~a->w[2], ~a->w[3]}};
}

/* EVM BYTE: byte number i of x counting from the most significant (0). */
u256 u256_byte(const u256 *i, const u256 *x);
/* EVM SHL, SHR, SAR: shift `value` by `shift` bits. SHL and SHR are inline
 * (the interpreter runs them often); they build the result in scalars, as
 * u256.c explains. */
static inline uint64_t u256_limb_or_zero_(const u256 *x, unsigned j)
{
	return j < 4 ? x->w[j] : 0;
}

/* In both shifts, a bit count of 0 must not shift the neighbouring limb by
 * 64 (undefined in C): shifting it by 1 and then by 63 - bits does the same
 * for every count and gives 0 for a count of 0. */
static inline u256 u256_shl(const u256 *shift, const u256 *value)
{
	if (!u256_fits_u64(shift) || shift->w[0] >= 256)
		return U256_ZERO;
	unsigned limb = (unsigned)shift->w[0] / 64, bits = (unsigned)shift->w[0] % 64;
	const uint64_t *v = value->w;
	if (limb == 0) /* the common case: no limb moves */
		return (u256){{v[0] << bits, v[1] << bits | (v[0] >> 1) >> (63 - bits),
		               v[2] << bits | (v[1] >> 1) >> (63 - bits),
		               v[3] << bits | (v[2] >> 1) >> (63 - bits)}};
	u256 r;
#pragma GCC unroll 4
	for (unsigned i = 0; i < 4; i++) {
		uint64_t lo = u256_limb_or_zero_(value, i - limb);
		uint64_t below = u256_limb_or_zero_(value, i - limb - 1);
		r.w[i] = lo << bits | (below >> 1) >> (63 - bits);
	}
	return r;
}

static inline u256 u256_shr(const u256 *shift, const u256 *value)
{
	if (!u256_fits_u64(shift) || shift->w[0] >= 256)
		return U256_ZERO;
	unsigned limb = (unsigned)shift->w[0] / 64, bits = (unsigned)shift->w[0] % 64;
	const uint64_t *v = value->w;
	if (limb == 0) /* the common case: no limb moves */
		return (u256){{v[0] >> bits | (v[1] << 1) << (63 - bits),
		               v[1] >> bits | (v[2] << 1) << (63 - bits),
		               v[2] >> bits | (v[3] << 1) << (63 - bits), v[3] >> bits}};
	u256 r;
#pragma GCC unroll 4
	for (unsigned i = 0; i < 4; i++) {
		uint64_t hi = u256_limb_or_zero_(value, i + limb);
		uint64_t above = u256_limb_or_zero_(value, i + limb + 1);
		r.w[i] = hi >> bits | (above << 1) << (63 - bits);
	}
	return r;
}

u256 u256_sar(const u256 *shift, const u256 *value);

/* Number of significant bits (0 for zero) and bytes. */
unsigned u256_bitlen(const u256 *a);
unsigned u256_bytelen(const u256 *a);

/* Big-endian 64-bit loads and stores at any alignment. */
static inline uint64_t u256_load_be64(const uint8_t *p)
{
	uint64_t v;
	__builtin_memcpy(&v, p, sizeof v);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	return v;
}

static inline void u256_store_be64(uint8_t *p, uint64_t v)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	__builtin_memcpy(p, &v, sizeof v);
}

/* Conversions. from_be reads n <= 32 big-endian bytes (n > 32 reads the
 * last 32); from_be32 reads exactly 32. to_be writes exactly 32 bytes. */
u256 u256_from_be(const uint8_t *p, size_t n);

static inline u256 u256_from_be32(const uint8_t p[32])
{
	return (u256){{u256_load_be64(p + 24), u256_load_be64(p + 16),
	               u256_load_be64(p + 8), u256_load_be64(p)}};
}

static inline void u256_to_be(const u256 *a, uint8_t out[32])
{
	u256_store_be64(out, a->w[3]);
	u256_store_be64(out + 8, a->w[2]);
	u256_store_be64(out + 16, a->w[1]);
	u256_store_be64(out + 24, a->w[0]);
}

/* Parses s as "0x" (or "0X") followed by hex digits of either case, or as
 * decimal digits. Leading zeros are allowed in both forms, so a hex string
 * may be longer than 64 digits if the value fits. Returns 0 on success, -1
 * on a NULL or empty string (or "0x" alone), a bad digit (signs and spaces
 * included), or a value above 2^256-1; *out is zero on failure. */
DURE_WUR int u256_from_string(const char *s, u256 *out);

/* Writes "0x" and minimal lowercase hex ("0x0" for zero) into out, which
 * must hold 67 bytes. */
void u256_to_hex(const u256 *a, char out[67]);

/* Writes a in decimal ("0" for zero) into out, which must hold 79 bytes
 * (2^256-1 has 78 digits). */
void u256_to_dec(const u256 *a, char out[79]);

#endif
