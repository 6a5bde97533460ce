/* The dure_bftStatus and dure_bftEvidence results: statuses and evidence
 * built by hand, printed with sorted keys and compared to JSON text
 * written out by hand (quantities in hex, the priority as a signed
 * decimal string, nulls for no lock, no proposer, no commit); and the
 * refusal of parameters through the registry. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/bft.h"
#include "base/buf.h"
#include "test.h"

#define X4(s) s s s s
#define X10(s) s s s s s s s s s s
#define ADDR(b) "\"0x" X10(b) X10(b) "\""
#define HASH(b) "\"0x" X10(b) X10(b) X10(b) b b "\""
/* A signature whose byte j is j (SIG0) or 0x80 + j (SIG80). */
#define SIG0 "\"0x000102030405060708090a0b0c0d0e0f"                        \
             "101112131415161718191a1b1c1d1e1f"                             \
             "202122232425262728292a2b2c2d2e2f"                             \
             "303132333435363738393a3b3c3d3e3f40\""
#define SIG80 "\"0x808182838485868788898a8b8c8d8e8f"                       \
              "909192939495969798999a9b9c9d9e9f"                            \
              "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf"                            \
              "b0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0\""

static void check_json(json_t *j, const char *want)
{
	char *got = j ? json_dumps(j, JSON_SORT_KEYS | JSON_COMPACT) : NULL;
	CHECK(got && strcmp(got, want) == 0);
	if (got && strcmp(got, want) != 0)
		fprintf(stderr, "got  %s\nwant %s\n", got, want);
	free(got);
	json_decref(j);
}

static address addr_of(uint8_t b)
{
	address a;
	memset(a.b, b, sizeof a.b);
	return a;
}

static void sig_pattern(uint8_t *sig, uint8_t base)
{
	for (size_t j = 0; j < BFT_SIG_LEN; j++)
		sig[j] = (uint8_t)(base + j);
}

/* Three validators, one of them us; locked in round 1, proposer index 1,
 * the head's commit signed by validators 0 and 2. */
static void test_status_validator(void)
{
	bft_driver_status st;
	memset(&st, 0, sizeof st);
	st.m.height = 7;
	st.m.round = 26;
	st.m.step = BFT_PREVOTE;
	st.m.decided = false;
	st.m.locked_round = 1;
	memset(st.m.locked.b, 0xaa, 32);
	st.m.valid_round = 1;
	memset(st.m.valid.b, 0xcc, 32);
	st.m.proposer = 1;
	st.m.self = 0;
	st.validator = true;
	st.self = addr_of(0x11);
	st.set.n = 3;
	st.set.v[0] = (bft_validator){addr_of(0x11), 10, -5};
	st.set.v[1] = (bft_validator){addr_of(0x22), 20, INT64_MIN};
	st.set.v[2] = (bft_validator){addr_of(0x33), 256, INT64_MAX};
	st.set.total = 286;
	st.peers = 4;
	/* The commit's own set (of height 6), not the status's, names its
	 * signers. */
	st.commit_set = st.set;
	st.commit_set.v[0].addr = addr_of(0x55);
	st.commit_set.v[2].addr = addr_of(0x66);
	st.has_commit = true;
	st.commit.height = 6;
	st.commit.round = 3;
	memset(st.commit.hash.b, 0xbb, 32);
	st.commit.n = 2;
	st.commit.sigs[0].index = 0;
	sig_pattern(st.commit.sigs[0].sig, 0x00);
	st.commit.sigs[1].index = 2;
	sig_pattern(st.commit.sigs[1].sig, 0x80);

	check_json(api_bft_status_json(&st),
	           "{\"decided\":false,\"height\":\"0x7\","
	           "\"lastCommit\":{\"hash\":" HASH("bb") ",\"height\":\"0x6\","
	           "\"round\":\"0x3\",\"signatures\":["
	           "{\"index\":0,\"signature\":" SIG0 ",\"validator\":"
	           ADDR("55") "},"
	           "{\"index\":2,\"signature\":" SIG80 ",\"validator\":"
	           ADDR("66") "}]},"
	           "\"lockedHash\":" HASH("aa") ",\"lockedRound\":1,"
	           "\"peers\":4,\"proposer\":" ADDR("22") ","
	           "\"round\":\"0x1a\",\"self\":" ADDR("11") ","
	           "\"step\":\"prevote\",\"totalPower\":\"0x11e\","
	           "\"validHash\":" HASH("cc") ",\"validRound\":1,"
	           "\"validator\":true,\"validators\":["
	           "{\"address\":" ADDR("11") ",\"power\":\"0xa\","
	           "\"proposerPriority\":\"-5\"},"
	           "{\"address\":" ADDR("22") ",\"power\":\"0x14\","
	           "\"proposerPriority\":\"-9223372036854775808\"},"
	           "{\"address\":" ADDR("33") ",\"power\":\"0x100\","
	           "\"proposerPriority\":\"9223372036854775807\"}]}");
}

/* A follower: no lock, no valid value, no proposer in the set, and no
 * commit; stale hashes behind round -1 must not show. */
static void test_status_follower(void)
{
	bft_driver_status st;
	memset(&st, 0, sizeof st);
	st.m.height = UINT64_C(0x10000000000);
	st.m.round = 0;
	st.m.step = BFT_PRECOMMIT;
	st.m.decided = true;
	st.m.locked_round = -1;
	memset(st.m.locked.b, 0xaa, 32);
	st.m.valid_round = -1;
	memset(st.m.valid.b, 0xcc, 32);
	st.m.proposer = UINT32_MAX;
	st.m.self = -1;
	st.validator = false;
	st.self = addr_of(0x44);
	st.set.n = 1;
	st.set.v[0] = (bft_validator){addr_of(0xfe), UINT64_C(1) << 59, 0};
	st.set.total = UINT64_C(1) << 59;
	st.peers = 0;

	check_json(api_bft_status_json(&st),
	           "{\"decided\":true,\"height\":\"0x10000000000\","
	           "\"lastCommit\":null,\"lockedHash\":null,\"lockedRound\":-1,"
	           "\"peers\":0,\"proposer\":null,\"round\":\"0x0\","
	           "\"self\":null,\"step\":\"precommit\","
	           "\"totalPower\":\"0x800000000000000\","
	           "\"validHash\":null,\"validRound\":-1,\"validator\":false,"
	           "\"validators\":[{\"address\":" ADDR("fe") ","
	           "\"power\":\"0x800000000000000\","
	           "\"proposerPriority\":\"0\"}]}");
}

/* Step propose; a proposer index just past the set and a commit signer
 * outside it print as null rather than reading past the set. */
static void test_status_out_of_set(void)
{
	bft_driver_status st;
	memset(&st, 0, sizeof st);
	st.m.height = 1;
	st.m.step = BFT_PROPOSE;
	st.m.locked_round = -1;
	st.m.valid_round = 0;
	st.m.proposer = 1;
	st.m.self = -1;
	st.set.n = 1;
	st.set.v[0] = (bft_validator){addr_of(0x01), 1, 1};
	st.set.total = 1;
	st.peers = 12;
	st.commit_set = st.set;
	st.has_commit = true;
	st.commit.n = 1;
	st.commit.sigs[0].index = 5;
	memset(st.commit.sigs[0].sig, 0xff, BFT_SIG_LEN);

	check_json(api_bft_status_json(&st),
	           "{\"decided\":false,\"height\":\"0x1\","
	           "\"lastCommit\":{\"hash\":" HASH("00") ",\"height\":\"0x0\","
	           "\"round\":\"0x0\",\"signatures\":[{\"index\":5,"
	           "\"signature\":\"0x" X10(X4("ff")) X10("ff") X10("ff")
	           X4("ff") "ff\",\"validator\":null}]},"
	           "\"lockedHash\":null,\"lockedRound\":-1,\"peers\":12,"
	           "\"proposer\":null,\"round\":\"0x0\",\"self\":null,"
	           "\"step\":\"propose\",\"totalPower\":\"0x1\","
	           "\"validHash\":" HASH("00") ",\"validRound\":0,"
	           "\"validator\":false,\"validators\":[{\"address\":"
	           ADDR("01") ",\"power\":\"0x1\","
	           "\"proposerPriority\":\"1\"}]}");
}

static void test_evidence(void)
{
	check_json(api_bft_evidence_json(NULL, 0), "[]");

	bft_evidence ev[3];
	memset(ev, 0, sizeof ev);
	ev[0].height = 5;
	ev[0].round = 17;
	ev[0].step = BFT_STEP_PRECOMMIT;
	ev[0].index = 2;
	ev[0].signer = addr_of(0x33);
	ev[0].seen_ms = UINT64_C(1700000000123);
	memcpy(ev[0].a, "\xde\xad", 2);
	ev[0].a_len = 2;
	memcpy(ev[0].b, "\xbe\xef\x01", 3);
	ev[0].b_len = 3;
	ev[1].height = 6;
	ev[1].round = 0;
	ev[1].step = BFT_STEP_PROPOSAL;
	ev[1].index = 0;
	ev[1].signer = addr_of(0x11);
	ev[1].seen_ms = 1;
	ev[1].a[0] = 0x00;
	ev[1].a_len = 1;
	ev[1].b[0] = 0x7f; /* not printed: b_len 0 */
	ev[1].b_len = 0;
	ev[2].height = 6;
	ev[2].round = 1;
	ev[2].step = BFT_STEP_PREVOTE;
	ev[2].index = 31;
	ev[2].signer = addr_of(0xab);
	ev[2].seen_ms = 0;
	ev[2].a_len = 160;
	memset(ev[2].a, 0x5a, 160);
	ev[2].b_len = 1;
	ev[2].b[0] = 0xa5;

	check_json(api_bft_evidence_json(ev, 3),
	           "[{\"first\":\"0xdead\",\"height\":\"0x5\",\"index\":2,"
	           "\"round\":\"0x11\",\"second\":\"0xbeef01\","
	           "\"seenAt\":1700000000123,\"step\":\"precommit\","
	           "\"validator\":" ADDR("33") "},"
	           "{\"first\":\"0x00\",\"height\":\"0x6\",\"index\":0,"
	           "\"round\":\"0x0\",\"second\":\"0x\",\"seenAt\":1,"
	           "\"step\":\"proposal\",\"validator\":" ADDR("11") "},"
	           "{\"first\":\"0x" X4(X10(X4("5a"))) "\",\"height\":\"0x6\","
	           "\"index\":31,\"round\":\"0x1\",\"second\":\"0xa5\","
	           "\"seenAt\":0,\"step\":\"prevote\",\"validator\":"
	           ADDR("ab") "}]");

	/* A step outside the three. */
	ev[0].step = 3;
	check_json(api_bft_evidence_json(ev, 1),
	           "[{\"first\":\"0xdead\",\"height\":\"0x5\",\"index\":2,"
	           "\"round\":\"0x11\",\"second\":\"0xbeef01\","
	           "\"seenAt\":1700000000123,\"step\":null,"
	           "\"validator\":" ADDR("33") "}]");
}

/* The error of one call; the driver is never reached, so none is given. */
static json_t *call_error(rpc_registry *reg, const char *method,
                          const char *params)
{
	char body[256];
	snprintf(body, sizeof body,
	         "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"%s\","
	         "\"params\":%s}",
	         method, params);
	buf out = BUF_INIT;
	json_t *r = NULL;
	if (rpc_dispatch(reg, body, strlen(body), &out) == 0)
		r = json_loadb((const char *)out.data, out.len, 0, NULL);
	buf_free(&out);
	json_t *e = json_object_get(r, "error");
	json_incref(e);
	json_decref(r);
	return e;
}

static void test_params_refused(void)
{
	rpc_registry *reg;
	CHECK_EQ_INT(rpc_registry_new(&reg), DURE_OK);
	CHECK_EQ_INT(api_bft_register(reg, NULL), DURE_OK);
	const char *methods[] = {"dure_bftStatus", "dure_bftEvidence"};
	for (size_t i = 0; i < 2; i++) {
		check_json(call_error(reg, methods[i], "[1]"),
		           "{\"code\":-32602,\"message\":\"too many arguments, "
		           "want at most 0\"}");
		check_json(call_error(reg, methods[i], "[null]"),
		           "{\"code\":-32602,\"message\":\"too many arguments, "
		           "want at most 0\"}");
		check_json(call_error(reg, methods[i], "{\"a\":1}"),
		           "{\"code\":-32602,\"message\":\"non-array args\"}");
	}
	/* Registered once: a second namespace of the same names is refused. */
	CHECK_EQ_INT(api_bft_register(reg, NULL), DURE_ERPC_METHOD_EXISTS);
	rpc_registry_free(reg);
}

TEST_MAIN(test_status_validator, test_status_follower, test_status_out_of_set,
          test_evidence, test_params_refused)
