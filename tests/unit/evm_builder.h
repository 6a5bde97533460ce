/* A small bytecode builder for EVM unit tests: programs are written as
 * calls (push, op, mstore, ret, ...) instead of hex blobs, so a test reads
 * like the assembly it means. A program that outgrows the buffer aborts the
 * test (it is a bug in the test). */
#ifndef DURE_TEST_EVM_BUILDER_H
#define DURE_TEST_EVM_BUILDER_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/bytes.h"
#include "evm/opcodes.h"
#include "u256/u256.h"

typedef struct bc {
	uint8_t code[4096];
	size_t n;
} bc;

static inline void bc_byte(bc *c, uint8_t b)
{
	if (c->n >= sizeof c->code) {
		fprintf(stderr, "evm_builder: program too long\n");
		abort();
	}
	c->code[c->n++] = b;
}

static inline void op(bc *c, uint8_t opcode) { bc_byte(c, opcode); }

/* PUSHn of the n bytes at p (1 <= n <= 32). */
static inline void push_bytes(bc *c, const uint8_t *p, size_t n)
{
	bc_byte(c, (uint8_t)(OP_PUSH1 + n - 1));
	for (size_t i = 0; i < n; i++)
		bc_byte(c, p[i]);
}

/* The shortest PUSHn of v (PUSH1 0 for zero, valid in every fork). */
static inline void push_u256(bc *c, const u256 *v)
{
	uint8_t b[32];
	u256_to_be(v, b);
	size_t skip = 0;
	while (skip < 31 && b[skip] == 0)
		skip++;
	push_bytes(c, b + skip, 32 - skip);
}

static inline void push(bc *c, uint64_t v)
{
	u256 x = u256_from_u64(v);
	push_u256(c, &x);
}

static inline void push_addr(bc *c, const address *a)
{
	push_bytes(c, a->b, 20);
}

/* MSTORE(off, val) */
static inline void mstore(bc *c, uint64_t off, uint64_t val)
{
	push(c, val);
	push(c, off);
	op(c, OP_MSTORE);
}

/* SSTORE(key, val) */
static inline void sstore(bc *c, uint64_t key, uint64_t val)
{
	push(c, val);
	push(c, key);
	op(c, OP_SSTORE);
}

/* SLOAD(key), result left on the stack. */
static inline void sload(bc *c, uint64_t key)
{
	push(c, key);
	op(c, OP_SLOAD);
}

/* RETURN(off, size) */
static inline void ret(bc *c, uint64_t off, uint64_t size)
{
	push(c, size);
	push(c, off);
	op(c, OP_RETURN);
}

/* Stores the top of the stack at memory 0 and returns that word. */
static inline void ret_top(bc *c)
{
	push(c, 0);
	op(c, OP_MSTORE);
	ret(c, 0, 32);
}

/* CALL-family call with gas, address, optional value and memory regions.
 * For DELEGATECALL and STATICCALL the value is not pushed. */
static inline void call_op(bc *c, uint8_t opcode, uint64_t gas,
                           const address *to, uint64_t value, uint64_t in_off,
                           uint64_t in_size, uint64_t out_off,
                           uint64_t out_size)
{
	push(c, out_size);
	push(c, out_off);
	push(c, in_size);
	push(c, in_off);
	if (opcode == OP_CALL || opcode == OP_CALLCODE)
		push(c, value);
	push_addr(c, to);
	push(c, gas);
	op(c, opcode);
}

#endif
