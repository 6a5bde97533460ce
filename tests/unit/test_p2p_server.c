/* The p2p server on a real libuv loop, in one process on 127.0.0.1:
 * discovery through a bootnode, RLPx peers, static peers, duplicate
 * handling, shutdown. Ports are chosen by the OS (port 0). */
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "p2p/server.h"
#include "test.h"

static const p2p_cap caps[] = {{.name = "eth", .version = 68, .msg_count = 17}};

static p2p_server *start(uv_loop_t *loop, uint8_t key_byte, bool with_rlpx,
                         const enode *boot)
{
	p2p_server_config cfg = {0};
	memset(cfg.seckey, key_byte, 32);
	cfg.bind.ip_len = 4;
	cfg.bind.ip[0] = 127;
	cfg.bind.ip[3] = 1;
	cfg.advertise = cfg.bind;
	cfg.rlpx = with_rlpx;
	peer_config_default(&cfg.peers);
	cfg.caps = caps;
	cfg.ncaps = 1;
	cfg.client_id = "dure-test";
	cfg.bootnodes = boot;
	cfg.nbootnodes = boot ? 1 : 0;
	p2p_server *s = NULL;
	CHECK_EQ_INT(p2p_server_start(loop, &cfg, &s), 0);
	return s;
}

typedef struct waiter {
	p2p_server **srv;
	size_t n;
	size_t want_peers;
	size_t want_table;
	bool done;
} waiter;

static void on_check(uv_timer_t *t)
{
	waiter *w = t->data;
	for (size_t i = 0; i < w->n; i++)
		if (p2p_server_peer_count(w->srv[i]) < w->want_peers ||
		    p2p_server_table_size(w->srv[i]) < w->want_table)
			return;
	w->done = true;
	uv_stop(t->loop);
}

static void on_deadline(uv_timer_t *t)
{
	uv_stop(t->loop);
}

/* Runs the loop until every server has the peers and table entries asked
 * for, or ms pass. Returns whether they did. */
static bool run_until(uv_loop_t *loop, waiter *w, uint64_t ms)
{
	uv_timer_t check, deadline;
	uv_timer_init(loop, &check);
	uv_timer_init(loop, &deadline);
	check.data = w;
	w->done = false;
	uv_timer_start(&check, on_check, 50, 50);
	uv_timer_start(&deadline, on_deadline, ms, 0);
	uv_run(loop, UV_RUN_DEFAULT);
	uv_close((uv_handle_t *)&check, NULL);
	uv_close((uv_handle_t *)&deadline, NULL);
	uv_run(loop, UV_RUN_NOWAIT);
	return w->done;
}

static void test_bootnode_and_peers(void)
{
	uv_loop_t loop;
	uv_loop_init(&loop);
	p2p_server *boot = start(&loop, 0x11, false, NULL);
	CHECK(boot != NULL);
	if (!boot)
		return;
	const enode *b = p2p_server_self(boot);
	CHECK(b->ep.udp != 0);
	p2p_server *a = start(&loop, 0x22, true, b);
	p2p_server *c = start(&loop, 0x33, true, b);
	CHECK(a && c);
	if (!a || !c)
		return;
	CHECK(p2p_server_self(a)->ep.tcp != 0);
	CHECK(p2p_server_self(a)->ep.udp != 0);

	/* Through the bootnode, a and c find each other and connect once. */
	p2p_server *both[] = {a, c};
	waiter w = {both, 2, 1, 2, false};
	CHECK(run_until(&loop, &w, 10000));
	CHECK_EQ_INT(p2p_server_peer_count(a), 1);
	CHECK_EQ_INT(p2p_server_peer_count(c), 1);
	/* Verified nodes: the bootnode and the other node. */
	CHECK(p2p_server_foreach_known(a, 60000, NULL, NULL) >= 2);

	p2p_peer_info *v = NULL;
	size_t n = 0;
	CHECK_EQ_INT(p2p_server_peers(a, &v, &n), 0);
	CHECK_EQ_INT(n, 1);
	if (n == 1) {
		CHECK_MEM(v[0].id, p2p_server_self(c)->id, 64);
		CHECK(strcmp(v[0].client_id, "dure-test") == 0);
		CHECK_EQ_INT(v[0].ncaps, 1);
		CHECK_EQ_INT(v[0].listen_port, p2p_server_self(c)->ep.tcp);
		CHECK(!v[0].trusted && !v[0].is_static);
	}
	free(v);

	/* A static peer that is already connected stays connected once:
	 * a second dial is refused as a duplicate. Removing it disconnects. */
	CHECK_EQ_INT(p2p_server_add_static(a, p2p_server_self(c)), 0);
	CHECK_EQ_INT(p2p_server_add_static(a, p2p_server_self(a)), DURE_EINVAL);
	waiter w1 = {both, 2, 1, 0, false};
	CHECK(run_until(&loop, &w1, 2000));
	CHECK_EQ_INT(p2p_server_peer_count(a), 1);
	CHECK_EQ_INT(p2p_server_remove_static(a, p2p_server_self(c)->id), 0);
	waiter w0 = {both, 1, 0, 0, false};
	run_until(&loop, &w0, 200);
	CHECK_EQ_INT(p2p_server_peer_count(a), 0);
	CHECK_EQ_INT(p2p_server_remove_static(a, p2p_server_self(c)->id),
	             DURE_ENOTFOUND);

	/* Trusted list bookkeeping. */
	CHECK_EQ_INT(p2p_server_add_trusted(a, p2p_server_self(c)->id), 0);
	CHECK_EQ_INT(p2p_server_remove_trusted(a, p2p_server_self(c)->id), 0);
	CHECK_EQ_INT(p2p_server_remove_trusted(a, p2p_server_self(c)->id),
	             DURE_ENOTFOUND);
	CHECK_EQ_INT(p2p_server_ban_count(a), 0);

	/* Everything closes and the loop ends without leaks (ASan). */
	p2p_server_stop(a);
	p2p_server_stop(c);
	p2p_server_stop(boot);
	uv_run(&loop, UV_RUN_DEFAULT);
	CHECK_EQ_INT(uv_loop_close(&loop), 0);
}

static void test_port_in_use(void)
{
	uv_loop_t loop;
	uv_loop_init(&loop);
	p2p_server *a = start(&loop, 0x44, true, NULL);
	CHECK(a != NULL);
	if (!a)
		return;
	p2p_server_config cfg = {0};
	memset(cfg.seckey, 0x55, 32);
	cfg.bind = p2p_server_self(a)->ep; /* both ports taken */
	cfg.advertise = cfg.bind;
	cfg.rlpx = true;
	peer_config_default(&cfg.peers);
	cfg.caps = caps;
	cfg.ncaps = 1;
	cfg.client_id = "dure-test";
	p2p_server *b = (p2p_server *)1;
	CHECK_EQ_INT(p2p_server_start(&loop, &cfg, &b), DURE_EIO);
	CHECK(b == NULL);
	cfg.ncaps = 0;
	CHECK_EQ_INT(p2p_server_start(&loop, &cfg, &b), DURE_EINVAL);
	p2p_server_stop(a);
	uv_run(&loop, UV_RUN_DEFAULT);
	CHECK_EQ_INT(uv_loop_close(&loop), 0);
}

TEST_MAIN(test_bootnode_and_peers, test_port_in_use)
