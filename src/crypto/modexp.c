/* Modular exponentiation for EIP-198 with GMP's mpz_powm.
 *
 * The cheap degenerate cases (modulus 0 or 1, exponent 0, base 0 or 1 modulo
 * m) are answered without running the exponentiation, because the gas rules
 * price them like any other input of the same lengths: a contract may ask for
 * 1^(a 10 MB exponent) mod m cheaply, and we should not spend seconds on it. */
#include "crypto/modexp.h"

#include <gmp.h>
#include <string.h>

/* mpz_import of a big-endian byte string; len may be 0. */
static void import_be(mpz_t z, const uint8_t *p, size_t len)
{
	if (len)
		mpz_import(z, len, 1, 1, 1, 0, p);
	else
		mpz_set_ui(z, 0);
}

int modexp(const uint8_t *base, size_t blen, const uint8_t *exp, size_t elen,
           const uint8_t *mod, size_t mlen, uint8_t *out)
{
	mpz_t b, e, m, r;

	if (mlen)
		memset(out, 0, mlen);
	if (blen > MODEXP_MAX_LEN || elen > MODEXP_MAX_LEN ||
	    mlen > MODEXP_MAX_LEN)
		return DURE_ERANGE;

	mpz_inits(b, e, m, r, NULL);
	import_be(m, mod, mlen);
	if (mpz_cmp_ui(m, 1) <= 0)
		goto done;      /* x mod 0 is 0 by EIP-198's rule; x mod 1 is 0 */
	import_be(e, exp, elen);
	import_be(b, base, blen);
	mpz_mod(b, b, m);
	if (mpz_sgn(e) == 0 || mpz_cmp_ui(b, 1) == 0)
		mpz_set_ui(r, 1);
	else if (mpz_sgn(b) != 0)
		mpz_powm(r, b, e, m);

	size_t rlen = (mpz_sizeinbase(r, 2) + 7) / 8;
	if (mpz_sgn(r) != 0)
		mpz_export(out + (mlen - rlen), NULL, 1, 1, 1, 0, r);
done:
	mpz_clears(b, e, m, r, NULL);
	return DURE_OK;
}
