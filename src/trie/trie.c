/* Merkle Patricia Trie (Yellow Paper appendix D), in memory or over a node
 * store.
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
 * trie_root re-encodes only those.
 *
 * Over a store, a node's position is its path: the key nibbles from the
 * root to it. A node the trie has not loaded yet is a "hash" node holding
 * only its 32-byte ref; passing through it loads it in place. A branch
 * never moves (its path is where its keys part), and a change moves at most
 * the one leaf or extension it re-parents, never a subtree; each node knows
 * whether the store holds something at its path ("held"), and when a held
 * node is freed or moved its path goes on a list that the next commit
 * deletes unless a new stored node took the path. */
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

/* N_HASH: not loaded yet; only ref (a hash) is known. */
enum node_kind { N_LEAF, N_EXT, N_BRANCH, N_HASH };

typedef struct node node;
/* Small, since a loaded branch brings up to 16 hash nodes with it: a
 * branch's child slots are allocated apart, and kids is set exactly when
 * kind is N_BRANCH. */
struct node {
	uint8_t kind;        /* enum node_kind */
	bool dirty;          /* ref is stale */
	bool unsaved;        /* changed since the last commit, or never saved */
	bool held;           /* the store holds a node at this node's path */
	bool want_branch;    /* N_HASH under an extension: must load a branch */
	uint8_t reflen;      /* < 32: ref holds the RLP; 32: ref holds its hash */
	uint8_t ref[32];
	uint8_t *path;       /* leaf, extension: nibbles, one per byte */
	size_t plen;
	uint8_t *val;        /* leaf, branch: owned; NULL if none */
	size_t vlen;
	node *child;         /* extension */
	node **kids;         /* branch: 16 slots */
};

struct trie {
	node *root;
	buf scratch;         /* encoding space reused by trie_root */
	trie_store store;    /* load is NULL for a trie made by trie_new */
	bool tracked;        /* opened or committed: nodes may be held */
	buf gone;            /* paths left by held nodes: [size_t len][nibbles] */
	buf path;            /* nibbles of a path being loaded */
	size_t loads;        /* nodes loaded from the store */
};

/* The most paths one put or delete can add to t->gone (collapse: the
 * deleted leaf, the branch, the extension above it, the moved child). */
#define GONE_PER_OP 4

static void node_clear(node *n)
{
	free(n->path);
	free(n->val);
	if (n->child) {
		node_clear(n->child);
		free(n->child);
	}
	for (int i = 0; n->kids && i < 16; i++) {
		if (n->kids[i]) {
			node_clear(n->kids[i]);
			free(n->kids[i]);
		}
	}
	free(n->kids);
}

static void node_free(node *n)
{
	if (!n)
		return;
	node_clear(n);
	free(n);
}

static void touch(node *x)
{
	x->dirty = true;
	x->unsaved = true;
}

/* A new node with a copy of path (n nibbles); NULL if out of memory. */
static node *node_new(enum node_kind kind, const uint8_t *path, size_t n)
{
	node *x = calloc(1, sizeof *x);
	if (!x)
		return NULL;
	x->kind = (uint8_t)kind;
	touch(x);
	if (kind == N_BRANCH && !(x->kids = calloc(16, sizeof *x->kids))) {
		free(x);
		return NULL;
	}
	if (n) {
		x->path = malloc(n);
		if (!x->path) {
			free(x->kids);
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
	touch(x);
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
	buf_init(&(*out)->gone);
	buf_init(&(*out)->path);
	return DURE_OK;
}

int trie_open(const trie_store *s, const h256 *root, trie **out)
{
	int err = trie_new(out);
	if (err)
		return err;
	trie *t = *out;
	t->store = *s;
	t->tracked = true;
	if (h256_eq(root, &TRIE_EMPTY_ROOT))
		return DURE_OK;
	t->root = calloc(1, sizeof *t->root);
	if (!t->root) {
		trie_free(t);
		*out = NULL;
		return DURE_ENOMEM;
	}
	t->root->kind = N_HASH;
	t->root->held = true;
	t->root->reflen = 32;
	memcpy(t->root->ref, root->b, 32);
	return DURE_OK;
}

void trie_free(trie *t)
{
	if (!t)
		return;
	node_free(t->root);
	buf_free(&t->scratch);
	buf_free(&t->gone);
	buf_free(&t->path);
	free(t);
}

/* Node decoding (loaded nodes, proofs) */

/* Decodes a hex-prefix path: *nib gets a new array of the nibbles (NULL when
 * there are none), *leaf the flag. Returns 0 or DURE_ETRIE_MISSING for a
 * malformed one, DURE_ENOMEM. */
static int hp_decode(const uint8_t *hp, size_t n, uint8_t **nib, size_t *len,
                     bool *leaf)
{
	*nib = NULL;
	*len = 0;
	if (n == 0 || hp[0] >> 4 > 3 || (!(hp[0] & 0x10) && (hp[0] & 0x0f)))
		return DURE_ETRIE_MISSING;
	*leaf = hp[0] & 0x20;
	bool odd = hp[0] & 0x10;
	size_t m = 2 * (n - 1) + odd;
	if (m == 0)
		return DURE_OK;
	uint8_t *p = malloc(m);
	if (!p)
		return DURE_ENOMEM;
	size_t o = 0;
	if (odd)
		p[o++] = hp[0] & 0x0f;
	for (size_t i = 1; i < n; i++) {
		p[o++] = hp[i] >> 4;
		p[o++] = hp[i] & 0x0f;
	}
	*nib = p;
	*len = m;
	return DURE_OK;
}

/* Splits a node's RLP into its items (raw, headers included): *count is 2
 * or 17. Returns 0 or DURE_ETRIE_MISSING. */
static int node_items(const uint8_t *p, size_t n, const uint8_t *item[17],
                      size_t ilen[17], size_t *count)
{
	rlp_cur c, l;
	rlp_cur_init(&c, p, n);
	rlp_cur_list(&c, &l);
	size_t k = 0;
	while (!rlp_cur_at_end(&l) && k < 17) {
		rlp_cur_raw(&l, &item[k], &ilen[k]);
		k++;
	}
	if (rlp_cur_close(&c, &l) || rlp_cur_finish(&c) || (k != 2 && k != 17))
		return DURE_ETRIE_MISSING;
	*count = k;
	return DURE_OK;
}

/* The payload of a raw RLP string item (the caller knows it is one). */
static void item_bytes(const uint8_t *raw, size_t n, const uint8_t **p,
                       size_t *len)
{
	rlp_cur c;
	rlp_cur_init(&c, raw, n);
	rlp_cur_bytes(&c, p, len);
}

static bool item_is_list(const uint8_t *raw)
{
	return raw[0] >= 0xc0;
}

static int decode_node(const uint8_t *p, size_t n, node *out);

/* Makes the child a ref item stands for: NULL for "", a hash node for a
 * 32-byte string, the decoded node for an embedded list. */
static int decode_ref(const uint8_t *raw, size_t n, node **out)
{
	*out = NULL;
	node *c;
	if (item_is_list(raw)) {
		if (n >= 32)
			return DURE_ETRIE_MISSING;
		c = calloc(1, sizeof *c);
		if (!c)
			return DURE_ENOMEM;
		int err = decode_node(raw, n, c);
		if (err) {
			free(c);
			return err;
		}
		memcpy(c->ref, raw, n);
		c->reflen = (uint8_t)n;
		*out = c;
		return DURE_OK;
	}
	const uint8_t *h;
	size_t hn;
	item_bytes(raw, n, &h, &hn);
	if (hn == 0)
		return DURE_OK;
	if (hn != 32)
		return DURE_ETRIE_MISSING;
	c = calloc(1, sizeof *c);
	if (!c)
		return DURE_ENOMEM;
	c->kind = N_HASH;
	c->held = true;
	c->reflen = 32;
	memcpy(c->ref, h, 32);
	*out = c;
	return DURE_OK;
}

static int copy_val(const uint8_t *raw, size_t n, node *out)
{
	const uint8_t *v;
	size_t vn;
	if (item_is_list(raw))
		return DURE_ETRIE_MISSING;
	item_bytes(raw, n, &v, &vn);
	if (vn == 0)
		return DURE_OK;
	out->val = malloc(vn);
	if (!out->val)
		return DURE_ENOMEM;
	memcpy(out->val, v, vn);
	out->vlen = vn;
	return DURE_OK;
}

/* Fills the zeroed *out (kind, path, value, children) from a node's RLP,
 * checking the shape invariants a well-formed trie keeps, so that corrupt
 * input cannot break the algorithms above. On failure *out is zeroed. */
static int decode_node(const uint8_t *p, size_t n, node *out)
{
	const uint8_t *item[17];
	size_t ilen[17], count;
	int err = node_items(p, n, item, ilen, &count);
	if (err)
		return err;
	if (count == 17) {
		out->kind = N_BRANCH;
		out->kids = calloc(16, sizeof *out->kids);
		if (!out->kids)
			return DURE_ENOMEM;
		int things = 0;
		for (int i = 0; i < 16 && !err; i++) {
			err = decode_ref(item[i], ilen[i], &out->kids[i]);
			things += out->kids[i] != NULL;
		}
		if (!err)
			err = copy_val(item[16], ilen[16], out);
		if (!err && things + (out->val != NULL) < 2)
			err = DURE_ETRIE_MISSING;
	} else {
		const uint8_t *hp;
		size_t hn;
		bool leaf = false;
		if (item_is_list(item[0]))
			return DURE_ETRIE_MISSING;
		item_bytes(item[0], ilen[0], &hp, &hn);
		err = hp_decode(hp, hn, &out->path, &out->plen, &leaf);
		out->kind = leaf ? N_LEAF : N_EXT;
		if (!err && leaf) {
			err = copy_val(item[1], ilen[1], out);
			if (!err && !out->val)
				err = DURE_ETRIE_MISSING;
		} else if (!err) {
			err = decode_ref(item[1], ilen[1], &out->child);
			if (!err && (!out->plen || !out->child ||
			             (out->child->kind != N_BRANCH &&
			              out->child->kind != N_HASH)))
				err = DURE_ETRIE_MISSING;
			if (!err)
				out->child->want_branch = true;
		}
	}
	if (err) {
		node_clear(out);
		memset(out, 0, sizeof *out);
	}
	return err;
}

/* Loads hash node x, whose path is path[0..len), in place. */
static int load(trie *t, node *x, const uint8_t *path, size_t len)
{
	static const uint8_t nopath[1];
	if (!t->store.load)
		return DURE_ETRIE_MISSING;
	const uint8_t *p;
	size_t n;
	int err = t->store.load(t->store.ctx, path ? path : nopath, len, &p, &n);
	if (err)
		return err == DURE_ENOTFOUND ? DURE_ETRIE_MISSING : err;
	/* Only the root may be shorter than a hash. */
	if (!p || n == 0 || (len > 0 && n < 32))
		return DURE_ETRIE_MISSING;
	if (t->store.verify) {
		uint8_t h[32];
		keccak256(p, n, h);
		if (memcmp(h, x->ref, 32) != 0)
			return DURE_ETRIE_MISSING;
	}
	node tmp = {0};
	err = decode_node(p, n, &tmp);
	if (err)
		return err;
	t->loads++;
	if (x->want_branch && tmp.kind != N_BRANCH) {
		node_clear(&tmp);
		return DURE_ETRIE_MISSING;
	}
	if (n < 32) {
		memcpy(x->ref, p, n);
		x->reflen = (uint8_t)n;
	}
	x->kind = tmp.kind;
	x->path = tmp.path;
	x->plen = tmp.plen;
	x->val = tmp.val;
	x->vlen = tmp.vlen;
	x->child = tmp.child;
	x->kids = tmp.kids;
	return DURE_OK;
}

/* Makes sure x is loaded; path[0..len) is its path. */
static inline int resolve(trie *t, node *x, const uint8_t *path, size_t len)
{
	return x->kind == N_HASH ? load(t, x, path, len) : DURE_OK;
}

/* Paths left behind */

/* One put or delete: the trie and the key's nibbles. */
typedef struct op {
	trie *t;
	const uint8_t *k;
	size_t n;
} op;

/* Room for what one operation can add to the gone list, taken before the
 * operation changes anything, so recording a path cannot fail. */
static int gone_reserve(trie *t, size_t n)
{
	if (!t->tracked)
		return DURE_OK;
	if (n > (SIZE_MAX / GONE_PER_OP - sizeof(size_t)) - 1)
		return DURE_ENOMEM;
	return buf_reserve(&t->gone, GONE_PER_OP * (sizeof(size_t) + n + 1));
}

/* Node x at key prefix k[0..at), then nibble `extra` unless it is -1, is
 * about to be freed or moved: the store's node at that path is stale. */
static void leave(const op *o, node *x, size_t at, int extra)
{
	if (!x->held)
		return;
	x->held = false;
	size_t len = at + (extra >= 0);
	uint8_t e = (uint8_t)extra;
	buf_append(&o->t->gone, &len, sizeof len);
	buf_append(&o->t->gone, o->k, at);
	if (extra >= 0)
		buf_append(&o->t->gone, &e, 1);
}

/* Changes */

/* Splits at a point where the key o->k[at..n) leaves x's path after c
 * shared nibbles (c < x->plen): a branch takes x's remainder and the new
 * key, under an extension for the shared part when c > 0. Allocates
 * everything before changing anything, so on failure x is untouched. Takes
 * val. */
static int split(const op *o, node **slot, size_t at, size_t c, uint8_t *val,
                 size_t vlen)
{
	const uint8_t *k = o->k + at;
	size_t n = o->n - at;
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
	/* x's child keeps its path: it ends up right below x's old path. */
	leave(o, x, at, -1);
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

/* Sets o->k[at..n) to val under *slot (at key prefix o->k[0..at)), taking
 * val on success. */
static int insert(const op *o, node **slot, size_t at, uint8_t *val,
                  size_t vlen)
{
	const uint8_t *k = o->k + at;
	size_t n = o->n - at;
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
	err = resolve(o->t, x, o->k, at);
	if (err)
		return err;
	if (x->kind == N_LEAF) {
		size_t c = common_prefix(x->path, x->plen, k, n);
		if (c == x->plen && c == n) {
			free(x->val);
			x->val = val;
			x->vlen = vlen;
			touch(x);
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
				leave(o, x, at, -1);
				node_free(x);
				*slot = br;
			} else {
				x->kind = N_EXT;
				x->child = br;
				touch(x);
			}
			return DURE_OK;
		}
		return split(o, slot, at, c, val, vlen);
	}
	if (x->kind == N_EXT) {
		size_t c = common_prefix(x->path, x->plen, k, n);
		if (c < x->plen)
			return split(o, slot, at, c, val, vlen);
		err = insert(o, &x->child, at + c, val, vlen);
	} else if (n == 0) {
		free(x->val);
		x->val = val;
		x->vlen = vlen;
		err = DURE_OK;
	} else {
		err = insert(o, &x->kids[k[0]], at + 1, val, vlen);
	}
	if (!err)
		touch(x);
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
	err = copy ? gone_reserve(t, 2 * klen) : DURE_ENOMEM;
	if (err) {
		free(copy);
		free(nib);
		return err;
	}
	memcpy(copy, val, vlen);
	op o = {t, nib, 2 * klen};
	err = insert(&o, &t->root, 0, copy, vlen);
	if (err)
		free(copy);
	free(nib);
	return err;
}

/* Leaves the first i nibbles of key in t->path. */
static int key_path(trie *t, const uint8_t *key, size_t i)
{
	buf_reset(&t->path);
	for (size_t j = 0; j < i; j++)
		buf_push(&t->path, j % 2 ? key[j / 2] & 0x0f : key[j / 2] >> 4);
	return buf_failed(&t->path) ? DURE_ENOMEM : DURE_OK;
}

int trie_get(trie *t, const uint8_t *key, size_t klen, const uint8_t **val,
             size_t *vlen)
{
	*val = NULL;
	*vlen = 0;
	node *x = t->root;
	size_t n = 2 * klen, i = 0;
#define NIB(j) ((j) % 2 ? key[(j) / 2] & 0x0f : key[(j) / 2] >> 4)
	while (x) {
		if (x->kind == N_HASH) {
			int err = key_path(t, key, i);
			if (!err)
				err = load(t, x, t->path.data, i);
			if (err)
				return err;
		}
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

/* A node on the way down to a key, and where it sits (its path is the
 * key's first `at` nibbles). */
typedef struct frame {
	node **slot;
	size_t at;
} frame;

/* Removes one thing from branch P (the node in slot stack[pi]) when only one
 * thing will be left, and restores the shape invariants: P, and the
 * extension above it if any, merge with what is left. `gone_kid` is the
 * index of the child to remove, or -1 to remove P's value. Loads and
 * allocates before changing anything, so on failure nothing has changed.
 * On success *top is the index of the highest stack slot whose node was
 * replaced. */
static int collapse(const op *o, frame *stack, size_t pi, int gone_kid,
                    size_t *top)
{
	node *p = *stack[pi].slot;
	size_t pat = stack[pi].at;
	node *g = pi > 0 ? *stack[pi - 1].slot : NULL;
	size_t gat = pi > 0 ? stack[pi - 1].at : 0;
	bool merge_g = g && g->kind == N_EXT;
	int only = -1;
	for (int j = 0; j < 16; j++)
		if (p->kids[j] && j != gone_kid)
			only = j;
	if (only < 0) {
		/* Only P's value is left: P becomes a leaf with an empty path, or
		 * the extension above it becomes that leaf. */
		leave(o, p->kids[gone_kid], pat + 1, -1);
		node_free(p->kids[gone_kid]);
		p->kids[gone_kid] = NULL;
		if (merge_g) {
			g->kind = N_LEAF;
			g->val = p->val;
			g->vlen = p->vlen;
			g->child = NULL;
			touch(g);
			p->val = NULL;
			leave(o, p, pat, -1);
			node_free(p);
			*top = pi - 1;
		} else {
			p->kind = N_LEAF;
			free(p->kids);
			p->kids = NULL;
			touch(p);
			*top = pi;
		}
		return DURE_OK;
	}
	node *c = p->kids[only];
	if (c->kind == N_HASH) {
		buf *b = &o->t->path;
		buf_reset(b);
		buf_append(b, o->k, pat);
		buf_push(b, (uint8_t)only);
		int err = buf_failed(b) ? DURE_ENOMEM : load(o->t, c, b->data, b->len);
		if (err)
			return err;
	}
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
		leave(o, p->kids[gone_kid], pat + 1, -1);
		node_free(p->kids[gone_kid]);
		p->kids[gone_kid] = NULL;
	}
	free(p->val);
	p->val = NULL;
	p->kids[only] = NULL;
	node *keep;   /* the node that takes the merged path */
	if (merge_c) {
		/* c moves up to where g or P was; an extension's child below it
		 * keeps its path. */
		keep = c;
		leave(o, c, pat, only);
		leave(o, p, pat, -1);
		node_free(p);
		if (merge_g) {
			g->child = NULL;
			leave(o, g, gat, -1);
			node_free(g);
		}
	} else {
		keep = merge_g ? g : p;
		if (merge_g) {
			leave(o, p, pat, -1);
			node_free(p);
		}
		if (keep == p) {
			free(p->kids);
			p->kids = NULL;
		}
		keep->kind = N_EXT;
		keep->child = c;
	}
	free(keep->path);
	keep->path = path;
	keep->plen = glen + 1 + clen;
	touch(keep);
	*top = merge_g ? pi - 1 : pi;
	*stack[*top].slot = keep;
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
	frame *stack = malloc((n + 2) * sizeof *stack);
	err = stack ? gone_reserve(t, n) : DURE_ENOMEM;
	if (err) {
		free(stack);
		free(k);
		return err;
	}
	op o = {t, k, n};
	node **slot = &t->root;
	bool found = false;
	for (;;) {
		node *x = *slot;
		if (!x)
			break;
		err = resolve(t, x, k, i);
		if (err)
			goto out;
		stack[d].slot = slot;
		stack[d++].at = i;
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
	node *target = *stack[d - 1].slot;
	size_t pi, top;
	int gone_kid = -1;
	if (target->kind == N_LEAF) {
		if (d == 1) {
			leave(&o, target, 0, -1);
			node_free(target);
			t->root = NULL;
			goto out;
		}
		pi = d - 2;
		gone_kid = (int)(stack[d - 1].slot - (*stack[pi].slot)->kids);
	} else {
		pi = d - 1;
	}
	node *p = *stack[pi].slot;
	int left = p->val && gone_kid >= 0;
	for (int j = 0; j < 16; j++)
		left += p->kids[j] && j != gone_kid;
	if (left >= 2) {
		if (gone_kid >= 0) {
			leave(&o, p->kids[gone_kid], stack[pi].at + 1, -1);
			node_free(p->kids[gone_kid]);
			p->kids[gone_kid] = NULL;
		} else {
			free(p->val);
			p->val = NULL;
			p->vlen = 0;
		}
		top = pi;
	} else {
		err = collapse(&o, stack, pi, gone_kid, &top);
		if (err)
			goto out;
	}
	for (size_t s = 0; s <= top; s++)
		touch(*stack[s].slot);
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

/* Replaces b's contents with x's RLP; x's children's refs must be current. */
static int encode(const node *x, buf *b)
{
	buf_reset(b);
	size_t m = rlp_list_begin(b);
	if (x->kind == N_BRANCH) {
		for (int i = 0; i < 16; i++)
			put_ref(b, x->kids[i]);
		rlp_put_bytes(b, x->val, x->vlen);
	} else {
		put_hp(b, x->path, x->plen, x->kind == N_LEAF);
		if (x->kind == N_LEAF)
			rlp_put_bytes(b, x->val, x->vlen);
		else
			put_ref(b, x->child);
	}
	rlp_list_end(b, m);
	return buf_failed(b) ? DURE_ENOMEM : DURE_OK;
}

/* Sets x's ref from enc, its RLP: the RLP itself when shorter than a
 * hash, else its hash. */
static void set_ref(node *x, const buf *enc)
{
	if (enc->len < 32) {
		memcpy(x->ref, enc->data, enc->len);
		x->reflen = (uint8_t)enc->len;
	} else {
		keccak256(enc->data, enc->len, x->ref);
		x->reflen = 32;
	}
	x->dirty = false;
}

/* Brings x's cached ref up to date; the whole RLP is left in scratch when
 * x was re-encoded (always, for a dirty node). A hash node is never dirty:
 * its known ref stands for the subtree without loading it. */
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
	int err = encode(x, scratch);
	if (!err)
		set_ref(x, scratch);
	return err;
}

/* The root hash from the root's current ref. */
static void root_of(const trie *t, h256 *out)
{
	if (!t->root)
		*out = TRIE_EMPTY_ROOT;
	else if (t->root->reflen == 32)
		memcpy(out->b, t->root->ref, 32);
	else
		keccak256(t->root->ref, t->root->reflen, out->b);
}

int trie_root(trie *t, h256 *out)
{
	int err = t->root ? update_ref(t->root, &t->scratch) : DURE_OK;
	if (err) {
		memset(out, 0, sizeof *out);
		return err;
	}
	root_of(t, out);
	return DURE_OK;
}

/* Commit */

/* Whether, once refs are current, a node is stored on its own at
 * path[0..len): the store must keep that path. A hash node on the way
 * means the path lies in a subtree nothing has changed. */
static bool stored_at(const trie *t, const uint8_t *path, size_t len)
{
	const node *x = t->root;
	size_t i = 0;
	while (x) {
		if (x->kind == N_HASH)
			return true;
		if (i == len)
			return len == 0 || x->reflen == 32;
		if (x->kind == N_BRANCH) {
			x = x->kids[path[i++]];
			continue;
		}
		if (x->kind == N_LEAF || x->plen > len - i ||
		    memcmp(x->path, path + i, x->plen) != 0)
			return false;
		i += x->plen;
		x = x->child;
	}
	return false;
}

/* Hands w the puts (and the dels of nodes shrunk into their parent) for
 * the unsaved nodes under x, whose path is in `path`, bringing their refs
 * up to date on the way (children first, as update_ref): each changed
 * node is encoded once for both. Leaves the unsaved flags. */
static int save(trie *t, node *x, buf *path, const trie_writer *w)
{
	if (!x || !x->unsaved)
		return DURE_OK;
	size_t mark = path->len;
	int err = DURE_OK;
	if (x->kind == N_EXT) {
		buf_append(path, x->path, x->plen);
		err = buf_failed(path) ? DURE_ENOMEM : save(t, x->child, path, w);
	} else if (x->kind == N_BRANCH) {
		for (int i = 0; i < 16 && !err; i++) {
			if (!x->kids[i] || !x->kids[i]->unsaved)
				continue;
			path->len = mark;
			buf_push(path, (uint8_t)i);
			err = buf_failed(path) ? DURE_ENOMEM
			                       : save(t, x->kids[i], path, w);
		}
	}
	path->len = mark;
	if (err)
		return err;
	static const uint8_t nopath[1];
	const uint8_t *p = path->data ? path->data : nopath;
	bool encoded = false;
	if (x->dirty) {
		err = encode(x, &t->scratch);
		if (err)
			return err;
		set_ref(x, &t->scratch);
		encoded = true;
	}
	if (x->reflen == 32 || mark == 0) {
		err = encoded ? DURE_OK : encode(x, &t->scratch);
		if (!err)
			err = w->put(w->ctx, p, mark, t->scratch.data, t->scratch.len);
	} else if (x->held) {
		err = w->del(w->ctx, p, mark);
	}
	return err;
}

/* After a successful commit: what the store now holds. */
static void settle(node *x, bool is_root)
{
	if (!x || !x->unsaved)
		return;
	settle(x->child, false);
	for (int i = 0; x->kids && i < 16; i++)
		settle(x->kids[i], false);
	x->held = is_root || x->reflen == 32;
	x->unsaved = false;
}

size_t trie_loads(const trie *t) { return t->loads; }

/* The nodes of x's subtree that are loaded (not hash nodes). */
static size_t count_loaded(const node *x)
{
	if (!x || x->kind == N_HASH)
		return 0;
	size_t n = 1 + count_loaded(x->child);
	for (int i = 0; x->kids && i < 16; i++)
		n += count_loaded(x->kids[i]);
	return n;
}

/* Turns x, whose path is depth nibbles long, back into a hash node when it
 * lies deeper than keep and is stored on its own; else recurses. Nodes
 * with changes not yet committed are left as they are. Returns how many
 * nodes it let go. */
static size_t unload(node *x, size_t depth, size_t keep, bool under_ext)
{
	if (!x || x->kind == N_HASH || x->dirty || x->unsaved)
		return 0;
	if (depth > keep && x->reflen == 32 && x->held) {
		size_t n = count_loaded(x);
		node_clear(x);
		uint8_t ref[32];
		memcpy(ref, x->ref, 32);
		memset(x, 0, sizeof *x);
		x->kind = N_HASH;
		x->held = true;
		x->want_branch = under_ext;
		x->reflen = 32;
		memcpy(x->ref, ref, 32);
		return n;
	}
	size_t n = 0;
	if (x->kind == N_EXT)
		n += unload(x->child, depth + x->plen, keep, true);
	else if (x->kind == N_BRANCH)
		for (int i = 0; i < 16; i++)
			n += unload(x->kids[i], depth + 1, keep, false);
	return n;
}

void trie_unload(trie *t, size_t keep)
{
	if (!t->store.load || !t->root)
		return;
	size_t n = unload(t->root, 0, keep, false);
	t->loads = n > t->loads ? 0 : t->loads - n;
}

int trie_commit(trie *t, const trie_writer *w, h256 *root)
{
	memset(root, 0, sizeof *root);
	buf path = BUF_INIT;
	int err = save(t, t->root, &path, w);
	buf_free(&path);
	/* The paths left behind that no node took again (stored_at needs the
	 * refs save brought up to date): never one this commit put. */
	for (size_t o = 0; o < t->gone.len && !err;) {
		size_t len;
		memcpy(&len, t->gone.data + o, sizeof len);
		const uint8_t *p = t->gone.data + o + sizeof len;
		if (!stored_at(t, p, len))
			err = w->del(w->ctx, p, len);
		o += sizeof len + len;
	}
	if (err)
		return err;
	settle(t->root, true);
	buf_reset(&t->gone);
	t->tracked = true;
	root_of(t, root);
	return DURE_OK;
}

/* Proofs */

void trie_proof_free(trie_proof *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->nodes[i]);
	free(p->nodes);
	free(p->lens);
	memset(p, 0, sizeof *p);
}

static int proof_add(trie_proof *p, const buf *rlp)
{
	uint8_t **nodes = realloc(p->nodes, (p->n + 1) * sizeof *nodes);
	if (!nodes)
		return DURE_ENOMEM;
	p->nodes = nodes;
	size_t *lens = realloc(p->lens, (p->n + 1) * sizeof *lens);
	if (!lens)
		return DURE_ENOMEM;
	p->lens = lens;
	uint8_t *copy = malloc(rlp->len);
	if (!copy)
		return DURE_ENOMEM;
	memcpy(copy, rlp->data, rlp->len);
	p->nodes[p->n] = copy;
	p->lens[p->n++] = rlp->len;
	return DURE_OK;
}

int trie_prove(trie *t, const uint8_t *key, size_t klen, trie_proof *out)
{
	memset(out, 0, sizeof *out);
	int err = t->root ? update_ref(t->root, &t->scratch) : DURE_OK;
	uint8_t *k = NULL;
	if (!err)
		err = to_nibbles(key, klen, &k);
	size_t n = 2 * klen, i = 0;
	node *x = t->root;
	/* Loaded nodes are clean, so the refs stay current on the way down. */
	while (x && !err) {
		err = resolve(t, x, k, i);
		if (!err && (i == 0 || x->reflen == 32)) {
			err = encode(x, &t->scratch);
			if (!err)
				err = proof_add(out, &t->scratch);
		}
		if (err)
			break;
		if (x->kind == N_BRANCH) {
			if (i == n)
				break;
			x = x->kids[k[i++]];
		} else if (x->kind == N_LEAF || x->plen > n - i ||
		           memcmp(x->path, k + i, x->plen) != 0) {
			break;
		} else {
			i += x->plen;
			x = x->child;
		}
	}
	free(k);
	if (err)
		trie_proof_free(out);
	return err;
}

int trie_verify_proof(const h256 *root, const uint8_t *key, size_t klen,
                      const trie_proof *p, const uint8_t **val, size_t *vlen)
{
	*val = NULL;
	*vlen = 0;
	if (p->n == 0)
		return h256_eq(root, &TRIE_EMPTY_ROOT) ? DURE_ENOTFOUND
		                                       : DURE_ETRIE_MISSING;
	uint8_t *k;
	int err = to_nibbles(key, klen, &k);
	if (err)
		return err;
	size_t n = 2 * klen, i = 0, used = 0;
	uint8_t want[32];
	memcpy(want, root->b, 32);
	const uint8_t *cur = NULL, *v = NULL;
	size_t curlen = 0, vn = 0;
	bool by_hash = true;
	for (;;) {
		if (by_hash) {
			uint8_t h[32];
			if (used == p->n)
				break;
			keccak256(p->nodes[used], p->lens[used], h);
			if (memcmp(h, want, 32) != 0)
				break;
			cur = p->nodes[used];
			curlen = p->lens[used++];
		}
		const uint8_t *item[17], *ref;
		size_t ilen[17], count, reflen;
		if (node_items(cur, curlen, item, ilen, &count))
			break;
		if (count == 17) {
			if (i == n) {
				if (item_is_list(item[16]))
					break;
				item_bytes(item[16], ilen[16], &v, &vn);
				err = vn ? DURE_OK : DURE_ENOTFOUND;
				goto done;
			}
			ref = item[k[i]];
			reflen = ilen[k[i]];
			i++;
		} else {
			const uint8_t *hp;
			size_t hn, plen;
			uint8_t *path;
			bool leaf = false;
			if (item_is_list(item[0]))
				break;
			item_bytes(item[0], ilen[0], &hp, &hn);
			err = hp_decode(hp, hn, &path, &plen, &leaf);
			if (err) {
				if (err == DURE_ENOMEM)
					goto done;
				break;
			}
			bool match = plen <= n - i &&
			             (plen == 0 || memcmp(path, k + i, plen) == 0);
			free(path);
			if (leaf) {
				if (item_is_list(item[1]))
					break;
				item_bytes(item[1], ilen[1], &v, &vn);
				if (vn == 0)
					break;
				err = match && i + plen == n ? DURE_OK : DURE_ENOTFOUND;
				goto done;
			}
			if (plen == 0)
				break;
			if (!match) {
				err = DURE_ENOTFOUND;
				goto done;
			}
			i += plen;
			ref = item[1];
			reflen = ilen[1];
		}
		if (item_is_list(ref)) {
			if (reflen >= 32)
				break;
			cur = ref;
			curlen = reflen;
			by_hash = false;
			continue;
		}
		const uint8_t *h;
		size_t hn;
		item_bytes(ref, reflen, &h, &hn);
		if (hn == 0 && count == 17) {
			err = DURE_ENOTFOUND;
			goto done;
		}
		if (hn != 32)
			break;
		memcpy(want, h, 32);
		by_hash = true;
	}
	err = DURE_ETRIE_MISSING;
done:
	free(k);
	/* A proof with nodes it does not need is not the proof of this key. */
	if ((err == DURE_OK || err == DURE_ENOTFOUND) && used != p->n)
		err = DURE_ETRIE_MISSING;
	if (err == DURE_OK) {
		*val = v;
		*vlen = vn;
	}
	return err;
}

/* Ordered iteration. Paths are collected as nibbles in `acc`, which is
 * always the path of the node at hand, so it is also where to load it. */

static int acc_resolve(trie *t, node *x, buf *acc)
{
	if (buf_failed(acc))
		return DURE_ENOMEM;
	return resolve(t, x, acc->data, acc->len);
}

static void acc_path(buf *acc, const node *x)
{
	buf_append(acc, x->path, x->plen);
}

/* Appends the path to the smallest key under x. */
static int subtree_min(trie *t, node *x, buf *acc)
{
	while (x) {
		int err = acc_resolve(t, x, acc);
		if (err)
			return err;
		if (x->kind != N_BRANCH) {
			acc_path(acc, x);
			x = x->kind == N_EXT ? x->child : NULL;
			continue;
		}
		if (x->val)
			break;
		int i = 0;
		while (!x->kids[i])
			i++;
		buf_push(acc, (uint8_t)i);
		x = x->kids[i];
	}
	return buf_failed(acc) ? DURE_ENOMEM : DURE_OK;
}

/* Appends the path to the largest key under x. */
static int subtree_max(trie *t, node *x, buf *acc)
{
	while (x) {
		int err = acc_resolve(t, x, acc);
		if (err)
			return err;
		if (x->kind != N_BRANCH) {
			acc_path(acc, x);
			x = x->kind == N_EXT ? x->child : NULL;
			continue;
		}
		int i = 15;
		while (i >= 0 && !x->kids[i])
			i--;
		if (i < 0)
			break;
		buf_push(acc, (uint8_t)i);
		x = x->kids[i];
	}
	return buf_failed(acc) ? DURE_ENOMEM : DURE_OK;
}

/* Appends to acc the path of the smallest key under x greater than k
 * (relative to x). Returns 0, DURE_ENOTFOUND if there is none (acc may
 * hold junk then), or an error. */
static int find_next(trie *t, node *x, const uint8_t *k, size_t n, buf *acc)
{
	if (!x)
		return DURE_ENOTFOUND;
	int err = acc_resolve(t, x, acc);
	if (err)
		return err;
	if (x->kind == N_LEAF) {
		int c = path_cmp(x->path, x->plen, k, n);
		if (c < 0 || (c == 0 && x->plen <= n))
			return DURE_ENOTFOUND;
		acc_path(acc, x);
		return DURE_OK;
	}
	if (x->kind == N_EXT) {
		int c = path_cmp(x->path, x->plen, k, n);
		if (c < 0)
			return DURE_ENOTFOUND;
		if (c > 0 || n < x->plen)
			return subtree_min(t, x, acc);
		acc_path(acc, x);
		return find_next(t, x->child, k + x->plen, n - x->plen, acc);
	}
	size_t mark = acc->len;
	int from = 0;
	if (n > 0) {
		buf_push(acc, k[0]);
		err = find_next(t, x->kids[k[0]], k + 1, n - 1, acc);
		if (err != DURE_ENOTFOUND)
			return err;
		acc->len = mark;
		from = k[0] + 1;
	}
	for (int i = from; i < 16; i++) {
		if (x->kids[i]) {
			buf_push(acc, (uint8_t)i);
			return subtree_min(t, x->kids[i], acc);
		}
	}
	return DURE_ENOTFOUND;
}

/* Appends to acc the path of the largest key under x less than k. */
static int find_prev(trie *t, node *x, const uint8_t *k, size_t n, buf *acc)
{
	if (!x)
		return DURE_ENOTFOUND;
	int err = acc_resolve(t, x, acc);
	if (err)
		return err;
	if (x->kind == N_LEAF) {
		int c = path_cmp(x->path, x->plen, k, n);
		if (c > 0 || (c == 0 && x->plen >= n))
			return DURE_ENOTFOUND;
		acc_path(acc, x);
		return DURE_OK;
	}
	if (x->kind == N_EXT) {
		int c = path_cmp(x->path, x->plen, k, n);
		if (c > 0 || (c == 0 && n <= x->plen))
			return DURE_ENOTFOUND;
		if (c < 0)
			return subtree_max(t, x, acc);
		acc_path(acc, x);
		return find_prev(t, x->child, k + x->plen, n - x->plen, acc);
	}
	if (n == 0)
		return DURE_ENOTFOUND;
	size_t mark = acc->len;
	buf_push(acc, k[0]);
	err = find_prev(t, x->kids[k[0]], k + 1, n - 1, acc);
	if (err != DURE_ENOTFOUND)
		return err;
	acc->len = mark;
	for (int i = k[0] - 1; i >= 0; i--) {
		if (x->kids[i]) {
			buf_push(acc, (uint8_t)i);
			return subtree_max(t, x->kids[i], acc);
		}
	}
	return x->val ? DURE_OK : DURE_ENOTFOUND;
}

static int iterate(trie *t, const uint8_t *key, size_t klen, buf *out,
                   bool next)
{
	buf_reset(out);
	uint8_t *k;
	int err = to_nibbles(key, klen, &k);
	if (err)
		return err;
	buf acc = BUF_INIT;
	err = next ? find_next(t, t->root, k, 2 * klen, &acc)
	           : find_prev(t, t->root, k, 2 * klen, &acc);
	free(k);
	if (!err && buf_failed(&acc))
		err = DURE_ENOMEM;
	if (!err) {
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

int trie_next(trie *t, const uint8_t *key, size_t klen, buf *next_key)
{
	return iterate(t, key, klen, next_key, true);
}

int trie_prev(trie *t, const uint8_t *key, size_t klen, buf *prev_key)
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

int trie_secure_get(trie *t, const uint8_t *key, size_t klen,
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
