/* Merkle Patricia Trie, in memory (Yellow Paper appendix D).
 *
 * Keys are walked as nibbles (4-bit halves, high half first). Three kinds of
 * node, each encoded as an RLP list:
 *
 *   leaf       [ HP(path, leaf=1), value ]        path: the rest of the key
 *   extension  [ HP(path, leaf=0), ref(child) ]   path: nibbles shared by all
 *                                                  keys below; child is a branch
 *   branch     [ ref(k0), ..., ref(k15), value ]  ki: subtree for nibble i,
 *                                                  "" if empty; value "" if none
 *
 * Hex-prefix HP(path, leaf): a flag nibble, then the path packed two nibbles
 * per byte:
 *
 *   flag = 2*leaf + (odd length)
 *   even length: [flag<<4 | 0] [n0 n1] [n2 n3] ...
 *   odd length:  [flag<<4 | n0] [n1 n2] ...
 *
 * ref(node): the node's RLP itself when it is shorter than 32 bytes
 * (embedded in the parent), else the 32-byte string keccak256(RLP). The root
 * hash is keccak256 of the root's RLP whatever its length; the empty trie's
 * root is keccak256(rlp("")) = keccak256(0x80).
 *
 * Shape invariants kept by put and delete (they make the encoding, and so
 * the root, depend only on the key set): a branch holds at least two things
 * (children plus value); an extension's path is non-empty and its child is a
 * branch; nothing is stored for an empty value.
 *
 * Each node caches its ref; a change marks the nodes on its path dirty, so
 * trie_root re-encodes only those. */
#include "trie/trie.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/keccak.h"
#include "rlp/rlp.h"

const h256 TRIE_EMPTY_ROOT = {{
	0x56, 0xe8, 0x1f, 0x17, 0x1b, 0xcc, 0x55, 0xa6, 0xff, 0x83, 0x45,
	0xe6, 0x92, 0xc0, 0xf8, 0x6e, 0x5b, 0x48, 0xe0, 0x1b, 0x99, 0x6c,
	0xad, 0xc0, 0x01, 0x62, 0x2f, 0xb5, 0xe3, 0x63, 0xb4, 0x21,
}};

enum node_kind { N_LEAF, N_EXT, N_BRANCH };

typedef struct node node;
struct node {
	enum node_kind kind;
	bool dirty;          /* ref is stale */
	uint8_t reflen;      /* < 32: ref holds the RLP; 32: ref holds its hash */
	uint8_t ref[32];
	uint8_t *path;       /* leaf, extension: nibbles, one per byte */
	size_t plen;
	uint8_t *val;        /* leaf, branch: owned; NULL if none */
	size_t vlen;
	node *child;         /* extension */
	node *kids[16];      /* branch */
};

struct trie {
	node *root;
	buf scratch;         /* encoding space reused by trie_root */
};

static void node_free(node *n)
{
	if (!n)
		return;
	free(n->path);
	free(n->val);
	node_free(n->child);
	for (int i = 0; i < 16; i++)
		node_free(n->kids[i]);
	free(n);
}

/* A new node with a copy of path (n nibbles); NULL if out of memory. */
static node *node_new(enum node_kind kind, const uint8_t *path, size_t n)
{
	node *x = calloc(1, sizeof *x);
	if (!x)
		return NULL;
	x->kind = kind;
	x->dirty = true;
	if (n) {
		x->path = malloc(n);
		if (!x->path) {
			free(x);
			return NULL;
		}
		memcpy(x->path, path, n);
		x->plen = n;
	}
	return x;
}

/* Drops the first `cut` nibbles of x's path, in place. */
static void path_cut(node *x, size_t cut)
{
	memmove(x->path, x->path + cut, x->plen - cut);
	x->plen -= cut;
	if (x->plen == 0) {
		free(x->path);
		x->path = NULL;
	}
	x->dirty = true;
}

static size_t common_prefix(const uint8_t *a, size_t an, const uint8_t *b,
                            size_t bn)
{
	size_t i = 0;
	while (i < an && i < bn && a[i] == b[i])
		i++;
	return i;
}

/* Compares path p with the first min(plen, n) nibbles of k. */
static int path_cmp(const uint8_t *p, size_t plen, const uint8_t *k, size_t n)
{
	size_t m = plen < n ? plen : n;
	return m ? memcmp(p, k, m) : 0;
}

/* Splits the key into nibbles in a new array (*out, 2*klen entries). */
static int to_nibbles(const uint8_t *key, size_t klen, uint8_t **out)
{
	*out = NULL;
	if (klen > SIZE_MAX / 2)
		return DURE_ENOMEM;
	uint8_t *nib = malloc(klen ? 2 * klen : 1);
	if (!nib)
		return DURE_ENOMEM;
	for (size_t i = 0; i < klen; i++) {
		nib[2 * i] = key[i] >> 4;
		nib[2 * i + 1] = key[i] & 0x0f;
	}
	*out = nib;
	return DURE_OK;
}

int trie_new(trie **out)
{
	*out = calloc(1, sizeof **out);
	if (!*out)
		return DURE_ENOMEM;
	buf_init(&(*out)->scratch);
	return DURE_OK;
}

void trie_free(trie *t)
{
	if (!t)
		return;
	node_free(t->root);
	buf_free(&t->scratch);
	free(t);
}

/* Splits at a point where the key k[0..n) leaves x's path after c shared
 * nibbles (c < x->plen): a branch takes x's remainder and the new key,
 * under an extension for the shared part when c > 0. Allocates everything
 * before changing anything, so on failure x is untouched. Takes val. */
static int split(node **slot, size_t c, const uint8_t *k, size_t n,
                 uint8_t *val, size_t vlen)
{
	node *x = *slot;
	node *br = node_new(N_BRANCH, NULL, 0);
	node *ext = c ? node_new(N_EXT, k, c) : NULL;
	node *leaf = c < n ? node_new(N_LEAF, k + c + 1, n - c - 1) : NULL;
	node *lower = NULL;  /* holds x's remainder when x is an extension */
	bool need_lower = x->kind == N_EXT && x->plen - c - 1 > 0;
	if (need_lower)
		lower = node_new(N_EXT, x->path + c + 1, x->plen - c - 1);
	if (!br || (c && !ext) || (c < n && !leaf) || (need_lower && !lower)) {
		node_free(br);
		node_free(ext);
		node_free(leaf);
		node_free(lower);
		return DURE_ENOMEM;
	}
	uint8_t xi = x->path[c];
	if (x->kind == N_LEAF) {
		path_cut(x, c + 1);
		br->kids[xi] = x;
	} else if (need_lower) {
		lower->child = x->child;
		br->kids[xi] = lower;
		x->child = NULL;
		node_free(x);
	} else {
		br->kids[xi] = x->child;
		x->child = NULL;
		node_free(x);
	}
	if (leaf) {
		leaf->val = val;
		leaf->vlen = vlen;
		br->kids[k[c]] = leaf;
	} else {
		br->val = val;
		br->vlen = vlen;
	}
	if (ext) {
		ext->child = br;
		*slot = ext;
	} else {
		*slot = br;
	}
	return DURE_OK;
}

/* Sets k[0..n) to val under *slot, taking val on success. */
static int insert(node **slot, const uint8_t *k, size_t n, uint8_t *val,
                  size_t vlen)
{
	node *x = *slot;
	int err;
	if (!x) {
		x = node_new(N_LEAF, k, n);
		if (!x)
			return DURE_ENOMEM;
		x->val = val;
		x->vlen = vlen;
		*slot = x;
		return DURE_OK;
	}
	if (x->kind == N_LEAF) {
		size_t c = common_prefix(x->path, x->plen, k, n);
		if (c == x->plen && c == n) {
			free(x->val);
			x->val = val;
			x->vlen = vlen;
			x->dirty = true;
			return DURE_OK;
		}
		if (c == x->plen) {
			/* The stored key is a proper prefix of the new one: its value
			 * moves into a branch, under an extension for the path. */
			node *br = node_new(N_BRANCH, NULL, 0);
			node *leaf = node_new(N_LEAF, k + c + 1, n - c - 1);
			if (!br || !leaf) {
				node_free(br);
				node_free(leaf);
				return DURE_ENOMEM;
			}
			leaf->val = val;
			leaf->vlen = vlen;
			br->kids[k[c]] = leaf;
			br->val = x->val;
			br->vlen = x->vlen;
			x->val = NULL;
			x->vlen = 0;
			if (c == 0) {
				node_free(x);
				*slot = br;
			} else {
				x->kind = N_EXT;
				x->child = br;
				x->dirty = true;
			}
			return DURE_OK;
		}
		return split(slot, c, k, n, val, vlen);
	}
	if (x->kind == N_EXT) {
		size_t c = common_prefix(x->path, x->plen, k, n);
		if (c < x->plen)
			return split(slot, c, k, n, val, vlen);
		err = insert(&x->child, k + c, n - c, val, vlen);
	} else if (n == 0) {
		free(x->val);
		x->val = val;
		x->vlen = vlen;
		err = DURE_OK;
	} else {
		err = insert(&x->kids[k[0]], k + 1, n - 1, val, vlen);
	}
	if (!err)
		x->dirty = true;
	return err;
}

int trie_put(trie *t, const uint8_t *key, size_t klen, const uint8_t *val,
             size_t vlen)
{
	if (vlen == 0)
		return trie_del(t, key, klen);
	uint8_t *nib;
	int err = to_nibbles(key, klen, &nib);
	if (err)
		return err;
	uint8_t *copy = malloc(vlen);
	if (!copy) {
		free(nib);
		return DURE_ENOMEM;
	}
	memcpy(copy, val, vlen);
	err = insert(&t->root, nib, 2 * klen, copy, vlen);
	if (err)
		free(copy);
	free(nib);
	return err;
}

int trie_get(const trie *t, const uint8_t *key, size_t klen,
             const uint8_t **val, size_t *vlen)
{
	*val = NULL;
	*vlen = 0;
	const node *x = t->root;
	size_t n = 2 * klen, i = 0;
#define NIB(j) ((j) % 2 ? key[(j) / 2] & 0x0f : key[(j) / 2] >> 4)
	while (x) {
		if (x->kind == N_BRANCH) {
			if (i == n) {
				if (!x->val)
					return DURE_ENOTFOUND;
				*val = x->val;
				*vlen = x->vlen;
				return DURE_OK;
			}
			x = x->kids[NIB(i)];
			i++;
			continue;
		}
		if (x->plen > n - i)
			return DURE_ENOTFOUND;
		for (size_t j = 0; j < x->plen; j++)
			if (x->path[j] != NIB(i + j))
				return DURE_ENOTFOUND;
		i += x->plen;
		if (x->kind == N_LEAF) {
			if (i != n)
				return DURE_ENOTFOUND;
			*val = x->val;
			*vlen = x->vlen;
			return DURE_OK;
		}
		x = x->child;
	}
#undef NIB
	return DURE_ENOTFOUND;
}

/* Removes one thing from branch P (the node in slot stack[pi]) when only one
 * thing will be left, and restores the shape invariants: P, and the
 * extension above it if any, merge with what is left. `gone_kid` is the
 * index of the child to remove, or -1 to remove P's value. Allocates before
 * changing anything, so on DURE_ENOMEM nothing has changed. On success *top
 * is the index of the highest stack slot whose node was replaced. */
static int collapse(node ***stack, size_t pi, int gone_kid, size_t *top)
{
	node *p = *stack[pi];
	node *g = pi > 0 ? *stack[pi - 1] : NULL;
	bool merge_g = g && g->kind == N_EXT;
	int only = -1;
	for (int j = 0; j < 16; j++)
		if (p->kids[j] && j != gone_kid)
			only = j;
	if (only < 0) {
		/* Only P's value is left: P becomes a leaf with an empty path, or
		 * the extension above it becomes that leaf. */
		node_free(p->kids[gone_kid]);
		p->kids[gone_kid] = NULL;
		if (merge_g) {
			g->kind = N_LEAF;
			g->val = p->val;
			g->vlen = p->vlen;
			g->child = NULL;
			g->dirty = true;
			p->val = NULL;
			node_free(p);
			*top = pi - 1;
		} else {
			p->kind = N_LEAF;
			p->dirty = true;
			*top = pi;
		}
		return DURE_OK;
	}
	node *c = p->kids[only];
	bool merge_c = c->kind != N_BRANCH;
	size_t glen = merge_g ? g->plen : 0, clen = merge_c ? c->plen : 0;
	uint8_t *path = malloc(glen + 1 + clen);
	if (!path)
		return DURE_ENOMEM;
	if (glen)
		memcpy(path, g->path, glen);
	path[glen] = (uint8_t)only;
	if (clen)
		memcpy(path + glen + 1, c->path, clen);
	if (gone_kid >= 0) {
		node_free(p->kids[gone_kid]);
		p->kids[gone_kid] = NULL;
	}
	free(p->val);
	p->val = NULL;
	p->kids[only] = NULL;
	node *keep;   /* the node that takes the merged path */
	if (merge_c) {
		keep = c;
		node_free(p);
		if (merge_g) {
			g->child = NULL;
			node_free(g);
		}
	} else {
		keep = merge_g ? g : p;
		if (merge_g)
			node_free(p);
		keep->kind = N_EXT;
		keep->child = c;
	}
	free(keep->path);
	keep->path = path;
	keep->plen = glen + 1 + clen;
	keep->dirty = true;
	*top = merge_g ? pi - 1 : pi;
	*stack[*top] = keep;
	return DURE_OK;
}

int trie_del(trie *t, const uint8_t *key, size_t klen)
{
	uint8_t *k;
	int err = to_nibbles(key, klen, &k);
	if (err)
		return err;
	size_t n = 2 * klen, i = 0, d = 0;
	/* Every step down consumes a nibble, so n + 2 slots suffice. */
	node ***stack = malloc((n + 2) * sizeof *stack);
	if (!stack) {
		free(k);
		return DURE_ENOMEM;
	}
	node **slot = &t->root;
	bool found = false;
	for (;;) {
		node *x = *slot;
		if (!x)
			break;
		stack[d++] = slot;
		if (x->kind == N_BRANCH) {
			if (i == n) {
				found = x->val != NULL;
				break;
			}
			slot = &x->kids[k[i++]];
			continue;
		}
		if (x->plen > n - i || path_cmp(x->path, x->plen, k + i, x->plen))
			break;
		i += x->plen;
		if (x->kind == N_LEAF) {
			found = i == n;
			break;
		}
		slot = &x->child;
	}
	if (!found)
		goto out;
	node *target = *stack[d - 1];
	size_t pi, top;
	int gone_kid = -1;
	if (target->kind == N_LEAF) {
		if (d == 1) {
			node_free(target);
			t->root = NULL;
			goto out;
		}
		pi = d - 2;
		gone_kid = (int)(stack[d - 1] - (*stack[pi])->kids);
	} else {
		pi = d - 1;
	}
	node *p = *stack[pi];
	int left = p->val && gone_kid >= 0;
	for (int j = 0; j < 16; j++)
		left += p->kids[j] && j != gone_kid;
	if (left >= 2) {
		if (gone_kid >= 0) {
			node_free(p->kids[gone_kid]);
			p->kids[gone_kid] = NULL;
		} else {
			free(p->val);
			p->val = NULL;
			p->vlen = 0;
		}
		top = pi;
	} else {
		err = collapse(stack, pi, gone_kid, &top);
		if (err)
			goto out;
	}
	for (size_t s = 0; s <= top; s++)
		(*stack[s])->dirty = true;
out:
	free(stack);
	free(k);
	return err;
}

/* Root hash */

static void put_hp(buf *b, const uint8_t *path, size_t n, bool leaf)
{
	uint8_t tmp[64];
	uint8_t *hp = n / 2 + 1 <= sizeof tmp ? tmp : malloc(n / 2 + 1);
	if (!hp) {
		b->failed = true;
		return;
	}
	uint8_t flag = (uint8_t)(2 * leaf + n % 2);
	size_t o = 0, i = 0;
	if (n % 2)
		hp[o++] = (uint8_t)(flag << 4 | path[i++]);
	else
		hp[o++] = (uint8_t)(flag << 4);
	for (; i < n; i += 2)
		hp[o++] = (uint8_t)(path[i] << 4 | path[i + 1]);
	rlp_put_bytes(b, hp, o);
	if (hp != tmp)
		free(hp);
}

static void put_ref(buf *b, const node *x)
{
	if (!x)
		rlp_put_bytes(b, NULL, 0);
	else if (x->reflen == 32)
		rlp_put_bytes(b, x->ref, 32);
	else
		rlp_put_raw(b, x->ref, x->reflen);
}

/* Brings x's cached ref up to date; the whole RLP is left in scratch when
 * x was re-encoded (always, for a dirty node). */
static int update_ref(node *x, buf *scratch)
{
	if (!x->dirty)
		return DURE_OK;
	if (x->kind == N_EXT) {
		int err = update_ref(x->child, scratch);
		if (err)
			return err;
	} else if (x->kind == N_BRANCH) {
		for (int i = 0; i < 16; i++) {
			if (x->kids[i]) {
				int err = update_ref(x->kids[i], scratch);
				if (err)
					return err;
			}
		}
	}
	buf_reset(scratch);
	size_t m = rlp_list_begin(scratch);
	if (x->kind == N_BRANCH) {
		for (int i = 0; i < 16; i++)
			put_ref(scratch, x->kids[i]);
		rlp_put_bytes(scratch, x->val, x->vlen);
	} else {
		put_hp(scratch, x->path, x->plen, x->kind == N_LEAF);
		if (x->kind == N_LEAF)
			rlp_put_bytes(scratch, x->val, x->vlen);
		else
			put_ref(scratch, x->child);
	}
	rlp_list_end(scratch, m);
	if (buf_failed(scratch))
		return DURE_ENOMEM;
	if (scratch->len < 32) {
		memcpy(x->ref, scratch->data, scratch->len);
		x->reflen = (uint8_t)scratch->len;
	} else {
		keccak256(scratch->data, scratch->len, x->ref);
		x->reflen = 32;
	}
	x->dirty = false;
	return DURE_OK;
}

int trie_root(trie *t, h256 *out)
{
	if (!t->root) {
		*out = TRIE_EMPTY_ROOT;
		return DURE_OK;
	}
	int err = update_ref(t->root, &t->scratch);
	if (err) {
		memset(out, 0, sizeof *out);
		return err;
	}
	if (t->root->reflen == 32)
		memcpy(out->b, t->root->ref, 32);
	else
		keccak256(t->root->ref, t->root->reflen, out->b);
	return DURE_OK;
}

/* Ordered iteration. Paths are collected as nibbles in `acc`. */

static void acc_path(buf *acc, const node *x)
{
	buf_append(acc, x->path, x->plen);
}

/* Appends the path to the smallest key under x. */
static void subtree_min(const node *x, buf *acc)
{
	while (x) {
		if (x->kind != N_BRANCH) {
			acc_path(acc, x);
			x = x->kind == N_EXT ? x->child : NULL;
			continue;
		}
		if (x->val)
			return;
		int i = 0;
		while (!x->kids[i])
			i++;
		buf_push(acc, (uint8_t)i);
		x = x->kids[i];
	}
}

/* Appends the path to the largest key under x. */
static void subtree_max(const node *x, buf *acc)
{
	while (x) {
		if (x->kind != N_BRANCH) {
			acc_path(acc, x);
			x = x->kind == N_EXT ? x->child : NULL;
			continue;
		}
		int i = 15;
		while (i >= 0 && !x->kids[i])
			i--;
		if (i < 0)
			return;
		buf_push(acc, (uint8_t)i);
		x = x->kids[i];
	}
}

/* Appends to acc the path of the smallest key under x greater than k
 * (relative to x); false if there is none (acc may hold junk then). */
static bool find_next(const node *x, const uint8_t *k, size_t n, buf *acc)
{
	if (!x)
		return false;
	if (x->kind == N_LEAF) {
		int c = path_cmp(x->path, x->plen, k, n);
		if (c < 0 || (c == 0 && x->plen <= n))
			return false;
		acc_path(acc, x);
		return true;
	}
	if (x->kind == N_EXT) {
		int c = path_cmp(x->path, x->plen, k, n);
		if (c < 0)
			return false;
		if (c > 0 || n < x->plen) {
			subtree_min(x, acc);
			return true;
		}
		acc_path(acc, x);
		return find_next(x->child, k + x->plen, n - x->plen, acc);
	}
	size_t mark = acc->len;
	int from = 0;
	if (n > 0) {
		buf_push(acc, k[0]);
		if (find_next(x->kids[k[0]], k + 1, n - 1, acc))
			return true;
		acc->len = mark;
		from = k[0] + 1;
	}
	for (int i = from; i < 16; i++) {
		if (x->kids[i]) {
			buf_push(acc, (uint8_t)i);
			subtree_min(x->kids[i], acc);
			return true;
		}
	}
	return false;
}

/* Appends to acc the path of the largest key under x less than k. */
static bool find_prev(const node *x, const uint8_t *k, size_t n, buf *acc)
{
	if (!x)
		return false;
	if (x->kind == N_LEAF) {
		int c = path_cmp(x->path, x->plen, k, n);
		if (c > 0 || (c == 0 && x->plen >= n))
			return false;
		acc_path(acc, x);
		return true;
	}
	if (x->kind == N_EXT) {
		int c = path_cmp(x->path, x->plen, k, n);
		if (c > 0 || (c == 0 && n <= x->plen))
			return false;
		if (c < 0) {
			subtree_max(x, acc);
			return true;
		}
		acc_path(acc, x);
		return find_prev(x->child, k + x->plen, n - x->plen, acc);
	}
	if (n == 0)
		return false;
	size_t mark = acc->len;
	buf_push(acc, k[0]);
	if (find_prev(x->kids[k[0]], k + 1, n - 1, acc))
		return true;
	acc->len = mark;
	for (int i = k[0] - 1; i >= 0; i--) {
		if (x->kids[i]) {
			buf_push(acc, (uint8_t)i);
			subtree_max(x->kids[i], acc);
			return true;
		}
	}
	return x->val != NULL;
}

static int iterate(const trie *t, const uint8_t *key, size_t klen, buf *out,
                   bool next)
{
	buf_reset(out);
	uint8_t *k;
	int err = to_nibbles(key, klen, &k);
	if (err)
		return err;
	buf acc = BUF_INIT;
	bool found = next ? find_next(t->root, k, 2 * klen, &acc)
	                  : find_prev(t->root, k, 2 * klen, &acc);
	free(k);
	if (buf_failed(&acc)) {
		err = DURE_ENOMEM;
	} else if (!found) {
		err = DURE_ENOTFOUND;
	} else {
		/* Stored keys are whole bytes, so the path has an even length. */
		for (size_t i = 0; i + 1 < acc.len; i += 2)
			buf_push(out, (uint8_t)(acc.data[i] << 4 | acc.data[i + 1]));
		if (buf_failed(out))
			err = DURE_ENOMEM;
	}
	buf_free(&acc);
	if (err)
		buf_reset(out);
	return err;
}

int trie_next(const trie *t, const uint8_t *key, size_t klen, buf *next_key)
{
	return iterate(t, key, klen, next_key, true);
}

int trie_prev(const trie *t, const uint8_t *key, size_t klen, buf *prev_key)
{
	return iterate(t, key, klen, prev_key, false);
}

/* Secure trie */

int trie_secure_put(trie *t, const uint8_t *key, size_t klen,
                    const uint8_t *val, size_t vlen)
{
	uint8_t h[32];
	keccak256(key, klen, h);
	return trie_put(t, h, 32, val, vlen);
}

int trie_secure_get(const trie *t, const uint8_t *key, size_t klen,
                    const uint8_t **val, size_t *vlen)
{
	uint8_t h[32];
	keccak256(key, klen, h);
	return trie_get(t, h, 32, val, vlen);
}

int trie_secure_del(trie *t, const uint8_t *key, size_t klen)
{
	uint8_t h[32];
	keccak256(key, klen, h);
	return trie_del(t, h, 32);
}
