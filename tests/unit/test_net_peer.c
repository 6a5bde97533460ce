/* Peer manager decisions: limits, duplicates, bans, throttling, dialling. */
#include <stdlib.h>
#include <string.h>

#include "net/peer.h"
#include "test.h"

static void make_id(uint8_t id[64], uint8_t first)
{
	memset(id, 0x55, 64);
	id[0] = first;
}

static enode make_node(uint8_t first, uint8_t ip_last)
{
	enode n;
	memset(&n, 0, sizeof n);
	make_id(n.id, first);
	n.ep.ip_len = 4;
	n.ep.ip[0] = 10;
	n.ep.ip[3] = ip_last;
	n.ep.tcp = n.ep.udp = 30303;
	return n;
}

static peerset *new_set(size_t max_peers, uint8_t self_first)
{
	peer_config cfg;
	peer_config_default(&cfg);
	cfg.max_peers = max_peers;
	uint8_t self[64];
	make_id(self, self_first);
	peerset *ps = NULL;
	CHECK_EQ_INT(peerset_new(&cfg, self, &ps), 0);
	return ps;
}

static void test_limits(void)
{
	peerset *ps = new_set(9, 0x80);
	CHECK_EQ_INT(peerset_max_outbound(ps), 3);
	void *ex;
	uint8_t id[64];
	/* Dialled share: 3 of 9. */
	for (uint8_t i = 1; i <= 3; i++) {
		make_id(id, i);
		CHECK_EQ_INT(peerset_check_ready(ps, id, false, 0, &ex), PEER_OK);
		CHECK_EQ_INT(peerset_add(ps, id, false, (void *)(uintptr_t)i), 0);
	}
	make_id(id, 4);
	CHECK_EQ_INT(peerset_check_ready(ps, id, false, 0, &ex), PEER_REJ_TOO_MANY);
	/* Inbound takes the other 6. */
	for (uint8_t i = 10; i < 16; i++) {
		make_id(id, i);
		CHECK_EQ_INT(peerset_check_ready(ps, id, true, 0, &ex), PEER_OK);
		CHECK_EQ_INT(peerset_add(ps, id, true, (void *)(uintptr_t)i), 0);
	}
	make_id(id, 16);
	CHECK_EQ_INT(peerset_check_ready(ps, id, true, 0, &ex), PEER_REJ_TOO_MANY);
	CHECK_EQ_INT(peerset_count(ps), 9);
	/* Trusted peers exceed the limit and are not counted. */
	CHECK_EQ_INT(peerset_add_trusted(ps, id), 0);
	CHECK_EQ_INT(peerset_check_ready(ps, id, true, 0, &ex), PEER_OK);
	CHECK_EQ_INT(peerset_add(ps, id, true, (void *)16), 0);
	CHECK_EQ_INT(peerset_count(ps), 10);
	CHECK_EQ_INT(peerset_inbound(ps), 6);
	CHECK_EQ_INT(peerset_add(ps, id, true, (void *)17), DURE_EINVAL);
	/* A freed slot takes a new peer again. */
	peerset_remove(ps, (void *)(uintptr_t)10, 0);
	make_id(id, 17);
	CHECK_EQ_INT(peerset_check_ready(ps, id, true, 0, &ex), PEER_OK);
	/* Our own id is never a peer. */
	make_id(id, 0x80);
	CHECK_EQ_INT(peerset_check_ready(ps, id, true, 0, &ex), PEER_REJ_SELF);
	CHECK_EQ_INT(peerset_remove_trusted(ps, id), DURE_ENOTFOUND);
	peerset_free(ps);

	/* A tiny node still dials one peer. */
	ps = new_set(1, 0x80);
	CHECK_EQ_INT(peerset_max_outbound(ps), 1);
	peerset_free(ps);
}

static void test_duplicates(void)
{
	/* Two nodes, lo < hi, dial each other at once: both must keep the
	 * connection lo dialled. */
	peerset *lo = new_set(50, 0x10), *hi = new_set(50, 0x20);
	uint8_t lo_id[64], hi_id[64];
	make_id(lo_id, 0x10);
	make_id(hi_id, 0x20);
	void *ex;
	/* At lo: its outbound (lo->hi) is up first, then the inbound (hi->lo). */
	CHECK_EQ_INT(peerset_check_ready(lo, hi_id, false, 0, &ex), PEER_OK);
	CHECK_EQ_INT(peerset_add(lo, hi_id, false, (void *)1), 0);
	CHECK_EQ_INT(peerset_check_ready(lo, hi_id, true, 0, &ex), PEER_REJ_ALREADY);
	CHECK(ex == NULL);
	/* At hi: the inbound (lo->hi) came first, then its own dial (hi->lo). */
	CHECK_EQ_INT(peerset_check_ready(hi, lo_id, true, 0, &ex), PEER_OK);
	CHECK_EQ_INT(peerset_add(hi, lo_id, true, (void *)2), 0);
	CHECK_EQ_INT(peerset_check_ready(hi, lo_id, false, 0, &ex), PEER_REJ_ALREADY);
	peerset_free(hi);

	/* The other order at hi: its dial is up first, the inbound one from lo
	 * replaces it. */
	hi = new_set(50, 0x20);
	CHECK_EQ_INT(peerset_check_ready(hi, lo_id, false, 0, &ex), PEER_OK);
	CHECK_EQ_INT(peerset_add(hi, lo_id, false, (void *)3), 0);
	CHECK_EQ_INT(peerset_check_ready(hi, lo_id, true, 0, &ex), PEER_REJ_REPLACE);
	CHECK(ex == (void *)3);
	peerset_remove(hi, ex, 0);
	CHECK_EQ_INT(peerset_add(hi, lo_id, true, (void *)4), 0);
	CHECK_EQ_INT(peerset_count(hi), 1);
	CHECK_EQ_INT(peerset_inbound(hi), 1);
	peerset_free(hi);
	peerset_free(lo);
}

static void test_bans(void)
{
	peerset *ps = new_set(50, 0x80);
	enode n = make_node(1, 7);
	enode other = make_node(2, 8);
	void *ex;
	CHECK(!peerset_is_banned(ps, n.id, &n.ep, 0));
	peerset_ban(ps, n.id, &n.ep, 1000);
	CHECK(peerset_is_banned(ps, n.id, NULL, 1000));
	CHECK(peerset_is_banned(ps, NULL, &n.ep, 1000));
	CHECK(!peerset_is_banned(ps, other.id, &other.ep, 1000));
	CHECK_EQ_INT(peerset_ban_count(ps, 1000), 2);
	CHECK_EQ_INT(peerset_check_inbound(ps, &n.ep, 2000), PEER_REJ_BANNED);
	CHECK_EQ_INT(peerset_check_ready(ps, n.id, true, 2000, &ex), PEER_REJ_BANNED);
	CHECK(!peerset_want_dial(ps, &n, 2000));
	/* Expiry: one hour by default. */
	uint64_t later = 1000 + 3600u * 1000u;
	CHECK(!peerset_is_banned(ps, n.id, &n.ep, later));
	CHECK_EQ_INT(peerset_ban_count(ps, later), 0);
	CHECK_EQ_INT(peerset_check_ready(ps, n.id, true, later, &ex), PEER_OK);

	/* Loopback addresses are not banned, ids still are. */
	enode lb = make_node(3, 1);
	lb.ep.ip[0] = 127;
	peerset_ban(ps, lb.id, &lb.ep, later);
	CHECK(peerset_is_banned(ps, lb.id, NULL, later));
	CHECK(!peerset_is_banned(ps, NULL, &lb.ep, later));
	CHECK_EQ_INT(peerset_ban_count(ps, later), 1);

	/* The table is bounded: the earliest-ending ban gives way. */
	for (unsigned i = 0; i < PEER_MAX_BANS + 10; i++) {
		uint8_t id[64];
		make_id(id, 9);
		memcpy(id + 1, &i, sizeof i);
		peerset_ban(ps, id, NULL, later + 1 + i);
	}
	CHECK_EQ_INT(peerset_ban_count(ps, later + 1), PEER_MAX_BANS);
	peerset_free(ps);
}

static void test_throttle(void)
{
	peerset *ps = new_set(50, 0x80);
	enode n = make_node(1, 7);
	CHECK_EQ_INT(peerset_check_inbound(ps, &n.ep, 0), PEER_OK);
	CHECK_EQ_INT(peerset_check_inbound(ps, &n.ep, 1000), PEER_REJ_THROTTLED);
	n.ep.tcp = 1; /* another port, same address */
	CHECK_EQ_INT(peerset_check_inbound(ps, &n.ep, 29999), PEER_REJ_THROTTLED);
	CHECK_EQ_INT(peerset_check_inbound(ps, &n.ep, PEER_THROTTLE_MS), PEER_OK);
	enode m = make_node(2, 8);
	CHECK_EQ_INT(peerset_check_inbound(ps, &m.ep, 1000), PEER_OK);

	enode lb = make_node(3, 1);
	lb.ep.ip[0] = 127;
	unsigned ok = 0;
	for (unsigned i = 0; i < PEER_LOOPBACK_BURST + 5; i++)
		ok += peerset_check_inbound(ps, &lb.ep, 5000) == PEER_OK;
	CHECK_EQ_INT(ok, PEER_LOOPBACK_BURST);
	CHECK_EQ_INT(peerset_check_inbound(ps, &lb.ep, 5000 + PEER_THROTTLE_MS),
	             PEER_OK);

	/* Many addresses: the table stays bounded and keeps working. */
	for (unsigned i = 0; i < PEER_MAX_THROTTLE * 2; i++) {
		enode x = make_node(4, 0);
		x.ep.ip[1] = (uint8_t)(i >> 8);
		x.ep.ip[2] = (uint8_t)i;
		CHECK_EQ_INT(peerset_check_inbound(ps, &x.ep, 6000 + i), PEER_OK);
	}
	peerset_free(ps);
}

static void test_dialing(void)
{
	peerset *ps = new_set(9, 0x80); /* 3 dialled peers at most */
	enode a = make_node(1, 1), b = make_node(2, 2), c = make_node(3, 3),
	      d = make_node(4, 4);
	CHECK(peerset_want_dial(ps, &a, 0));
	peerset_dial_start(ps, a.id, 0);
	CHECK(!peerset_want_dial(ps, &a, 0)); /* pending */
	peerset_dial_start(ps, b.id, 0);
	peerset_dial_start(ps, c.id, 0);
	CHECK_EQ_INT(peerset_pending_dials(ps), 3);
	CHECK(!peerset_want_dial(ps, &d, 0)); /* share full with pending dials */

	/* Failure: exponential backoff from 5 s. */
	peerset_dial_done(ps, a.id, false, 0);
	CHECK(!peerset_want_dial(ps, &a, 4999));
	CHECK(peerset_want_dial(ps, &a, 5000));
	peerset_dial_start(ps, a.id, 5000);
	peerset_dial_done(ps, a.id, false, 5000);
	CHECK(!peerset_want_dial(ps, &a, 14999));
	CHECK(peerset_want_dial(ps, &a, 15000));

	/* Success: it becomes a peer and is not dialled while connected. */
	void *ex;
	CHECK_EQ_INT(peerset_check_ready(ps, b.id, false, 100, &ex), PEER_OK);
	CHECK_EQ_INT(peerset_add(ps, b.id, false, (void *)2), 0);
	peerset_dial_done(ps, b.id, true, 100);
	CHECK(!peerset_want_dial(ps, &b, 200));
	/* After it leaves, the redial wait (30 s) applies. */
	peerset_remove(ps, (void *)2, 1000);
	CHECK(!peerset_want_dial(ps, &b, 30999));
	CHECK(peerset_want_dial(ps, &b, 31000));

	/* Nodes without an address or TCP port, and ourselves, are never
	 * dialled. */
	enode noport = make_node(5, 5);
	noport.ep.tcp = 0;
	CHECK(!peerset_want_dial(ps, &noport, 0));
	enode self = make_node(0x80, 6);
	CHECK(!peerset_want_dial(ps, &self, 0));

	/* Static peers are dialled beyond the dialled share. */
	peerset_dial_done(ps, c.id, false, 0);
	for (uint8_t i = 0; i < 3; i++) {
		enode x = make_node((uint8_t)(20 + i), (uint8_t)(20 + i));
		CHECK_EQ_INT(peerset_add(ps, x.id, false, (void *)(uintptr_t)(20 + i)),
		             0);
	}
	CHECK(!peerset_want_dial(ps, &d, 40000));
	CHECK_EQ_INT(peerset_add_static(ps, &d), 0);
	CHECK(peerset_is_static(ps, d.id));
	enode due[4];
	CHECK_EQ_INT(peerset_static_due(ps, 40000, due, 4), 1);
	CHECK_MEM(due[0].id, d.id, 64);
	CHECK(peerset_want_dial(ps, &d, 40000));
	peerset_dial_start(ps, d.id, 40000);
	CHECK_EQ_INT(peerset_static_due(ps, 40000, due, 4), 0);
	CHECK_EQ_INT(peerset_check_ready(ps, d.id, false, 40000, &ex), PEER_OK);
	CHECK_EQ_INT(peerset_remove_static(ps, d.id), 0);
	CHECK_EQ_INT(peerset_remove_static(ps, d.id), DURE_ENOTFOUND);
	CHECK_EQ_INT(peerset_check_ready(ps, d.id, false, 40000, &ex),
	             PEER_REJ_TOO_MANY);
	peerset_free(ps);

	/* Concurrency limit. */
	peer_config cfg;
	peer_config_default(&cfg);
	cfg.max_peers = 300;
	cfg.max_pending_dials = 4;
	uint8_t self_id[64];
	make_id(self_id, 0xff);
	CHECK_EQ_INT(peerset_new(&cfg, self_id, &ps), 0);
	unsigned started = 0;
	for (uint8_t i = 0; i < 10; i++) {
		enode x = make_node(i, i);
		if (peerset_want_dial(ps, &x, 0)) {
			peerset_dial_start(ps, x.id, 0);
			started++;
		}
	}
	CHECK_EQ_INT(started, 4);
	cfg.max_pending_dials = 0;
	peerset *bad = (peerset *)1;
	CHECK_EQ_INT(peerset_new(&cfg, self_id, &bad), DURE_EINVAL);
	CHECK(bad == NULL);
	peerset_free(ps);
}

static void test_bucket(void)
{
	peer_bucket b;
	peer_bucket_init(&b, 10, 5, 0);
	unsigned ok = 0;
	for (int i = 0; i < 20; i++)
		ok += peer_bucket_take(&b, 0);
	CHECK_EQ_INT(ok, 5);
	CHECK(!peer_bucket_take(&b, 50));
	CHECK(peer_bucket_take(&b, 100)); /* 10/s: one token per 100 ms */
	CHECK(!peer_bucket_take(&b, 100));
	ok = 0;
	for (int i = 0; i < 20; i++)
		ok += peer_bucket_take(&b, 100000);
	CHECK_EQ_INT(ok, 5); /* never more than the burst */
}

static void test_verdict_str(void)
{
	CHECK(strcmp(peer_verdict_str(PEER_REJ_BANNED), "banned") == 0);
	CHECK(strcmp(peer_verdict_str((peer_verdict)99), "unknown verdict") == 0);
}

TEST_MAIN(test_limits, test_duplicates, test_bans, test_throttle,
          test_dialing, test_bucket, test_verdict_str)
