#include "txpool/table.h"

#include <stdlib.h>
#include <string.h>

static uint64_t mix(uint64_t h)
{
	/* splitmix64's finalizer: every input bit reaches every output bit. */
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebULL;
	h ^= h >> 31;
	return h;
}

static size_t home(const ptable *t, const uint8_t *key)
{
	uint64_t h = t->seed;
	for (size_t i = 0; i < t->key_len; i += 8) {
		uint64_t w = 0;
		size_t n = t->key_len - i < 8 ? t->key_len - i : 8;
		memcpy(&w, key + i, n);
		h = mix(h ^ w);
	}
	return (size_t)h & t->mask;
}

static const uint8_t *key_of(const ptable *t, const void *item)
{
	return (const uint8_t *)item + t->key_off;
}

int ptable_init(ptable *t, size_t max_items, size_t key_off, size_t key_len,
                uint64_t seed)
{
	memset(t, 0, sizeof *t);
	if (max_items > SIZE_MAX / 4)
		return DURE_ENOMEM;
	size_t cap = 16;
	while (cap < max_items * 2) {
		if (cap > SIZE_MAX / 2 / sizeof(void *))
			return DURE_ENOMEM;
		cap *= 2;
	}
	t->slots = calloc(cap, sizeof *t->slots);
	if (!t->slots)
		return DURE_ENOMEM;
	t->mask = cap - 1;
	t->key_off = key_off;
	t->key_len = key_len;
	t->seed = mix(seed);
	return DURE_OK;
}

void ptable_free(ptable *t)
{
	free(t->slots);
	memset(t, 0, sizeof *t);
}

/* The slot holding key, or the empty slot where it would go. */
static size_t find(const ptable *t, const void *key)
{
	size_t i = home(t, key);
	while (t->slots[i] && memcmp(key_of(t, t->slots[i]), key, t->key_len) != 0)
		i = (i + 1) & t->mask;
	return i;
}

void *ptable_get(const ptable *t, const void *key)
{
	return t->slots[find(t, key)];
}

void ptable_put(ptable *t, void *item)
{
	t->slots[find(t, key_of(t, item))] = item;
	t->count++;
}

bool ptable_del(ptable *t, const void *item)
{
	size_t i = find(t, key_of(t, item));
	if (!t->slots[i])
		return false;
	/* Backward shift: an item further along the run moves into the hole
	 * unless its home lies cyclically in (hole, its slot], in which case a
	 * lookup from its home never crosses the hole. */
	size_t j = i;
	for (;;) {
		t->slots[i] = NULL;
		for (;;) {
			j = (j + 1) & t->mask;
			if (!t->slots[j]) {
				t->count--;
				return true;
			}
			size_t k = home(t, key_of(t, t->slots[j]));
			bool stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
			if (!stays)
				break;
		}
		t->slots[i] = t->slots[j];
		i = j;
	}
}
