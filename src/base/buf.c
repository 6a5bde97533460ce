#include "base/buf.h"

#include <stdlib.h>
#include <string.h>

void buf_init(buf *b)
{
	*b = (buf)BUF_INIT;
}

void buf_free(buf *b)
{
	free(b->data);
	buf_init(b);
}

void buf_reset(buf *b)
{
	b->len = 0;
	b->failed = false;
}

int buf_reserve(buf *b, size_t extra)
{
	if (b->failed)
		return DURE_ENOMEM;
	if (extra <= b->cap - b->len)
		return DURE_OK;
	if (extra > SIZE_MAX / 2 - b->len) {
		b->failed = true;
		return DURE_ENOMEM;
	}
	size_t want = b->len + extra;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < want)
		cap *= 2;
	uint8_t *p = realloc(b->data, cap);
	if (!p) {
		b->failed = true;
		return DURE_ENOMEM;
	}
	b->data = p;
	b->cap = cap;
	return DURE_OK;
}

int buf_append(buf *b, const void *p, size_t n)
{
	if (n == 0)
		return b->failed ? DURE_ENOMEM : DURE_OK;
	int err = buf_reserve(b, n);
	if (err)
		return err;
	memcpy(b->data + b->len, p, n);
	b->len += n;
	return DURE_OK;
}

int buf_push(buf *b, uint8_t byte)
{
	return buf_append(b, &byte, 1);
}

int buf_insert(buf *b, size_t at, const void *p, size_t n)
{
	if (at > b->len)
		return DURE_EINVAL;
	int err = buf_reserve(b, n);
	if (err)
		return err;
	memmove(b->data + at + n, b->data + at, b->len - at);
	memcpy(b->data + at, p, n);
	b->len += n;
	return DURE_OK;
}

uint8_t *buf_steal(buf *b, size_t *len)
{
	uint8_t *p = b->data;
	if (len)
		*len = b->len;
	buf_init(b);
	return p;
}
