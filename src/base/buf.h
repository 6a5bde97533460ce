/* Growable byte buffer.
 *
 * Appends never fail silently: an allocation failure sets the sticky `failed`
 * flag, later appends do nothing, and the caller checks once at the end with
 * buf_failed(). This keeps encoders (RLP, frames) free of per-call checks. */
#ifndef DURE_BASE_BUF_H
#define DURE_BASE_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

typedef struct buf {
	uint8_t *data;  /* owned; NULL until the first append */
	size_t len;
	size_t cap;
	bool failed;    /* an allocation failed; contents are incomplete */
} buf;

#define BUF_INIT {NULL, 0, 0, false}

void buf_init(buf *b);

/* Frees the contents; the buffer is empty and reusable afterwards. */
void buf_free(buf *b);

/* Empties the buffer, keeping its allocation and clearing `failed`. */
void buf_reset(buf *b);

/* Ensures room for `extra` more bytes. Returns DURE_OK or DURE_ENOMEM. */
int buf_reserve(buf *b, size_t extra);

/* Appends n bytes from p. Returns DURE_OK or DURE_ENOMEM (also sticky). */
int buf_append(buf *b, const void *p, size_t n);

/* Appends one byte. */
int buf_push(buf *b, uint8_t byte);

/* Inserts n bytes at offset `at` (<= len), moving the tail right. */
int buf_insert(buf *b, size_t at, const void *p, size_t n);

/* Returns true if any append since the last reset failed. */
static inline bool buf_failed(const buf *b) { return b->failed; }

/* Takes the contents: returns the data (caller frees) and empties b. */
uint8_t *buf_steal(buf *b, size_t *len);

#endif
