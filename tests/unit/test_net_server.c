/* The p2p server on a real libuv loop, in one process on 127.0.0.1:
 * discovery through a bootnode, RLPx peers, static peers, duplicate
 * handling, shutdown. Ports are chosen by the OS (port 0). */
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "net/server.h"
#include "test.h"

static const p2p_cap caps[] = {{.name = "eth", .version = 68, .msg_count = 17}};

static p2p_server *start_clocked(uv_loop_t *loop, uint8_t key_byte,
                                 bool with_rlpx, const enode *boot,
                                 const dure_clock *clock)
{
	p2p_server_config cfg = {0};
	cfg.clock = clock;
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

static p2p_server *start(uv_loop_t *loop, uint8_t key_byte, bool with_rlpx,
                         const enode *boot)
{
	return start_clocked(loop, key_byte, with_rlpx, boot, NULL);
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

/* Runs the loop until pred(arg) holds, checked every 50 ms, or ms pass. */
typedef struct pred_run {
	bool (*pred)(void *arg);
	void *arg;
	bool done;
} pred_run;

static void on_pred_check(uv_timer_t *t)
{
	pred_run *p = t->data;
	if (p->pred(p->arg)) {
		p->done = true;
		uv_stop(t->loop);
	}
}

static bool run_pred(uv_loop_t *loop, bool (*pred)(void *), void *arg,
                     uint64_t ms)
{
	pred_run p = {pred, arg, false};
	uv_timer_t check, deadline;
	uv_timer_init(loop, &check);
	uv_timer_init(loop, &deadline);
	check.data = &p;
	uv_timer_start(&check, on_pred_check, 50, 50);
	uv_timer_start(&deadline, on_deadline, ms, 0);
	uv_run(loop, UV_RUN_DEFAULT);
	uv_close((uv_handle_t *)&check, NULL);
	uv_close((uv_handle_t *)&deadline, NULL);
	uv_run(loop, UV_RUN_NOWAIT);
	return p.done;
}

/* a refused d's link, or d's link replaced c's and then c's redial or
 * d's was refused in turn: either way a duplicate was seen and a is back
 * to one peer. */
typedef struct dup_waiter {
	p2p_server *a, *d;
} dup_waiter;

static bool dup_seen(void *arg)
{
	dup_waiter *w = arg;
	return p2p_server_duplicates(w->a) + p2p_server_duplicates(w->d) > 0 &&
	       p2p_server_peer_count(w->a) == 1;
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

	/* A second link to a connected peer is refused or replaces the first,
	 * never kept beside it: d has c's key, so its dial to a reaches a
	 * node id that a is already connected to. */
	CHECK_EQ_INT(p2p_server_add_static(a, p2p_server_self(a)), DURE_EINVAL);
	p2p_server *d = start(&loop, 0x33, true, NULL);
	CHECK(d != NULL);
	if (!d)
		return;
	CHECK_EQ_INT(p2p_server_add_static(d, p2p_server_self(a)), 0);
	dup_waiter dw = {a, d};
	CHECK(run_pred(&loop, dup_seen, &dw, 10000));
	CHECK_EQ_INT(p2p_server_peer_count(a), 1);
	CHECK_EQ_INT(p2p_server_peers(a, &v, &n), 0);
	CHECK_EQ_INT(n, 1);
	if (n == 1)
		CHECK_MEM(v[0].id, p2p_server_self(c)->id, 64);
	free(v);
	p2p_server_stop(d);

	/* A static peer that is connected is disconnected when removed. */
	CHECK_EQ_INT(p2p_server_add_static(a, p2p_server_self(c)), 0);
	waiter w1 = {both, 2, 1, 0, false};
	CHECK(run_until(&loop, &w1, 10000));
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

/* Timeouts run on the injected clock: a client that connects and stays
 * silent is kept while the clock stands still (however long the test
 * really waits), and dropped as soon as the clock passes the handshake
 * deadline. */
typedef struct silent_client {
	uv_tcp_t tcp;
	uv_connect_t req;
	bool connected, closed;
} silent_client;

static void on_silent_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
	silent_client *sc = s->data;
	free(b->base);
	if (n < 0 && !sc->closed) {
		sc->closed = true;
		uv_close((uv_handle_t *)&sc->tcp, NULL);
	}
}

static void on_silent_alloc(uv_handle_t *h, size_t size, uv_buf_t *b)
{
	b->base = malloc(size);
	b->len = b->base ? size : 0;
}

static void on_silent_connect(uv_connect_t *req, int status)
{
	silent_client *sc = req->data;
	sc->connected = status == 0;
	if (sc->connected)
		uv_read_start((uv_stream_t *)&sc->tcp, on_silent_alloc,
		              on_silent_read);
}

static bool silent_connected(void *arg)
{
	return ((silent_client *)arg)->connected;
}

static bool silent_closed(void *arg)
{
	return ((silent_client *)arg)->closed;
}

static void test_fake_clock_timeouts(void)
{
	uv_loop_t loop;
	uv_loop_init(&loop);
	dure_fake_clock fc;
	dure_fake_clock_init(&fc, 1000000);
	p2p_server *a = start_clocked(&loop, 0x66, true, NULL, &fc.clock);
	CHECK(a != NULL);
	if (!a)
		return;
	silent_client sc = {0};
	uv_tcp_init(&loop, &sc.tcp);
	sc.tcp.data = &sc;
	sc.req.data = &sc;
	struct sockaddr_in sa;
	uv_ip4_addr("127.0.0.1", p2p_server_self(a)->ep.tcp, &sa);
	CHECK_EQ_INT(uv_tcp_connect(&sc.req, &sc.tcp, (struct sockaddr *)&sa,
	                            on_silent_connect), 0);
	CHECK(run_pred(&loop, silent_connected, &sc, 5000));
	/* Longer than the server's tick, with the clock standing still. */
	run_pred(&loop, silent_closed, &sc, 1500);
	CHECK(!sc.closed);
	fc.now += P2P_HANDSHAKE_MS + 1;
	CHECK(run_pred(&loop, silent_closed, &sc, 5000));
	if (!sc.closed)
		uv_close((uv_handle_t *)&sc.tcp, NULL);
	p2p_server_stop(a);
	uv_run(&loop, UV_RUN_DEFAULT);
	CHECK_EQ_INT(uv_loop_close(&loop), 0);
}

TEST_MAIN(test_bootnode_and_peers, test_port_in_use, test_fake_clock_timeouts)
