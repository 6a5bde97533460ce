/* EIP-2124 fork ids (see forkid.h for the format), after geth's
 * core/forkid/forkid.go: gatherForks, NewID and newFilter. */
#include "eth/forkid.h"

#include <string.h>

/* geth's timestampThreshold, mainnet's genesis time: a FORK_NEXT above it
 * is taken for a timestamp in rule 1a, so that a peer announcing a
 * timestamp fork is checked against our head's time while we are still
 * among the block forks. */
#define FORKID_TIME_THRESHOLD 1438269973u

/* Block-number fork points: activation[FORK_HOMESTEAD..FORK_PARIS] and
 * the four rule-less ones. */
#define BLOCK_FORKS (FORK_PARIS - FORK_HOMESTEAD + 1 + 4)
#define TIME_FORKS (FORK_CANCUN - FORK_SHANGHAI + 1)
_Static_assert(BLOCK_FORKS + TIME_FORKS <= FORKID_MAX_FORKS,
               "forkid_table holds every fork of a chain_config");

/* IEEE CRC32 (reflected polynomial 0xedb88320), continuing from crc, a
 * finished checksum as crc32.Update takes it. */
static uint32_t crc32_update(const uint32_t table[256], uint32_t crc,
                             const uint8_t *p, size_t n)
{
	crc = ~crc;
	for (size_t i = 0; i < n; i++)
		crc = table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
	return ~crc;
}

static void crc32_table(uint32_t table[256])
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
		table[i] = c;
	}
}

/* Sorts v[0..n) ascending and drops repeats; returns the new length. */
static size_t sort_unique(uint64_t *v, size_t n)
{
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && v[j - 1] > v[j]; j--) {
			uint64_t x = v[j];
			v[j] = v[j - 1];
			v[j - 1] = x;
		}
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (k == 0 || v[k - 1] != v[i])
			v[k++] = v[i];
	return k;
}

int forkid_table_init(const chain_config *c, const h256 *genesis,
                      uint64_t genesis_time, forkid_table *out)
{
	memset(out, 0, sizeof *out);
	uint64_t blocks[BLOCK_FORKS], times[TIME_FORKS];
	size_t nb = 0, nt = 0;
	for (int f = FORK_HOMESTEAD; f <= FORK_PARIS; f++)
		blocks[nb++] = c->activation[f];
	blocks[nb++] = c->dao_block;
	blocks[nb++] = c->muir_glacier_block;
	blocks[nb++] = c->arrow_glacier_block;
	blocks[nb++] = c->gray_glacier_block;
	for (int f = FORK_SHANGHAI; f <= FORK_CANCUN; f++)
		times[nt++] = c->activation[f];

	/* Block 0 is the genesis rules, not a fork; a timestamp fork at or
	 * before the genesis time is active from genesis alike. */
	size_t k = 0;
	for (size_t i = 0; i < nb; i++)
		if (blocks[i] != 0 && blocks[i] != CHAIN_NEVER)
			out->forks[k++] = blocks[i];
	k = sort_unique(out->forks, k);
	out->nblock = k;
	size_t first_time = k;
	for (size_t i = 0; i < nt; i++)
		if (times[i] > genesis_time && times[i] != CHAIN_NEVER)
			out->forks[k++] = times[i];
	k = first_time + sort_unique(out->forks + first_time, k - first_time);
	out->nforks = k;

	uint32_t table[256];
	crc32_table(table);
	uint32_t sum = crc32_update(table, 0, genesis->b, 32);
	out->sums[0] = sum;
	for (size_t i = 0; i < out->nforks; i++) {
		uint8_t be[8];
		for (int j = 0; j < 8; j++)
			be[j] = (uint8_t)(out->forks[i] >> (56 - 8 * j));
		sum = crc32_update(table, sum, be, 8);
		out->sums[i + 1] = sum;
	}
	return DURE_OK;
}

static void put_be32(uint8_t out[4], uint32_t v)
{
	out[0] = (uint8_t)(v >> 24);
	out[1] = (uint8_t)(v >> 16);
	out[2] = (uint8_t)(v >> 8);
	out[3] = (uint8_t)v;
}

static uint32_t get_be32(const uint8_t p[4])
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

void forkid_at(const forkid_table *t, uint64_t head_number,
               uint64_t head_time, fork_id *out)
{
	size_t i = 0;
	while (i < t->nblock && t->forks[i] <= head_number)
		i++;
	if (i == t->nblock)
		while (i < t->nforks && t->forks[i] <= head_time)
			i++;
	put_be32(out->hash, t->sums[i]);
	out->next = i < t->nforks ? t->forks[i] : 0;
}

int forkid_check(const forkid_table *t, uint64_t head_number,
                 uint64_t head_time, const fork_id *remote)
{
	uint32_t hash = get_be32(remote->hash);
	/* geth appends a fork at UINT64_MAX that is never passed, counted
	 * among the block forks when the chain has no timestamp forks. */
	size_t nblock = t->nblock + (t->nforks == t->nblock ? 1 : 0);
	for (size_t i = 0; i <= t->nforks; i++) {
		uint64_t at = i < t->nforks ? t->forks[i] : UINT64_MAX;
		uint64_t head = i >= nblock ? head_time : head_number;
		if (head >= at)
			continue;
		/* forks[i] is the first we have not passed. */
		if (t->sums[i] == hash) {
			bool passed = remote->next > 0 &&
			              (head >= remote->next ||
			               (remote->next > FORKID_TIME_THRESHOLD &&
			                head_time >= remote->next));
			return passed ? DURE_EETH_FORKID : DURE_OK;  /* 1a, 1b */
		}
		for (size_t j = 0; j < i; j++)
			if (t->sums[j] == hash)  /* 2: the remote is behind */
				return t->forks[j] == remote->next ? DURE_OK
				                                   : DURE_EETH_FORKID;
		for (size_t j = i + 1; j <= t->nforks; j++)
			if (t->sums[j] == hash)  /* 3: we are behind */
				return DURE_OK;
		return DURE_EETH_FORKID;     /* 4 */
	}
	/* Only a head at UINT64_MAX passes the sentinel; geth accepts then. */
	return DURE_OK;
}

void forkid_put(buf *b, const fork_id *f)
{
	size_t m = rlp_list_begin(b);
	rlp_put_bytes(b, f->hash, sizeof f->hash);
	rlp_put_u64(b, f->next);
	rlp_list_end(b, m);
}

void forkid_take(rlp_cur *c, fork_id *out)
{
	rlp_cur l;
	rlp_cur_list(c, &l);
	rlp_cur_fixed(&l, out->hash, sizeof out->hash);
	out->next = rlp_cur_u64(&l);
	if (rlp_cur_close(c, &l))
		memset(out, 0, sizeof *out);
}
