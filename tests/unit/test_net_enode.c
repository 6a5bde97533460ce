/* enode URLs (strict parse, print) and the nodekey file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/hex.h"
#include "crypto/secp.h"
#include "net/enode.h"
#include "test.h"

static char idhex[129];
static uint8_t id[64];

static void setup(void)
{
	uint8_t sk[32];
	memset(sk, 0x5a, 32);
	CHECK_EQ_INT(secp_pubkey_create(sk, id), 0);
	hex_encode(id, 64, idhex);
}

static int parse(const char *fmt, enode *n)
{
	char url[400];
	snprintf(url, sizeof url, fmt, idhex);
	return enode_parse(url, n);
}

static void test_parse_print(void)
{
	setup();
	enode n;
	char url[400], out[ENODE_URL_MAX];
	CHECK_EQ_INT(parse("enode://%s@10.3.58.6:30303", &n), 0);
	CHECK_MEM(n.id, id, 64);
	CHECK_EQ_INT(n.ep.ip_len, 4);
	CHECK_EQ_INT(n.ep.ip[0], 10);
	CHECK_EQ_INT(n.ep.ip[3], 6);
	CHECK_EQ_INT(n.ep.tcp, 30303);
	CHECK_EQ_INT(n.ep.udp, 30303);
	CHECK_EQ_INT(enode_format(&n, out, sizeof out), 0);
	snprintf(url, sizeof url, "enode://%s@10.3.58.6:30303", idhex);
	CHECK(strcmp(out, url) == 0);

	CHECK_EQ_INT(parse("enode://%s@10.3.58.6:30303?discport=30301", &n), 0);
	CHECK_EQ_INT(n.ep.tcp, 30303);
	CHECK_EQ_INT(n.ep.udp, 30301);
	CHECK_EQ_INT(enode_format(&n, out, sizeof out), 0);
	snprintf(url, sizeof url, "enode://%s@10.3.58.6:30303?discport=30301",
	         idhex);
	CHECK(strcmp(out, url) == 0);

	CHECK_EQ_INT(parse("enode://%s@[2001:db8::1]:30303", &n), 0);
	CHECK_EQ_INT(n.ep.ip_len, 16);
	CHECK_EQ_INT(n.ep.ip[0], 0x20);
	CHECK_EQ_INT(n.ep.ip[15], 1);
	CHECK_EQ_INT(enode_format(&n, out, sizeof out), 0);
	snprintf(url, sizeof url, "enode://%s@[2001:db8::1]:30303", idhex);
	CHECK(strcmp(out, url) == 0);
	CHECK(!net_is_loopback(&n.ep));
	CHECK_EQ_INT(parse("enode://%s@[::1]:1", &n), 0);
	CHECK(net_is_loopback(&n.ep));
	CHECK_EQ_INT(parse("enode://%s@127.0.0.1:0", &n), 0);
	CHECK(net_is_loopback(&n.ep));
	CHECK_EQ_INT(enode_format(&n, out, 20), DURE_ERANGE);
	CHECK_EQ_INT(out[0], 0);
}

static void test_parse_rejects(void)
{
	setup();
	enode n;
	const char *bad[] = {
		"enode://%s@10.0.0.1",              /* no port */
		"enode://%s@10.0.0.1:",             /* empty port */
		"enode://%s@10.0.0.1:65536",        /* port range */
		"enode://%s@10.0.0.1:030303",       /* leading zero */
		"enode://%s@10.0.0.1:+1",
		"enode://%s@10.0.0.1:1 ",
		"enode://%s@host.example:30303",    /* names are not resolved */
		"enode://%s@10.0.0:30303",
		"enode://%s@10.0.0.256:30303",
		"enode://%s@2001:db8::1:30303",     /* IPv6 without brackets */
		"enode://%s@[10.0.0.1]:30303",
		"enode://%s@10.0.0.1:30303?discport=0",
		"enode://%s@10.0.0.1:30303?discport=",
		"enode://%s@10.0.0.1:30303?disc=1",
		"enode://%s@10.0.0.1:30303?discport=1&x=2",
		"enode://%s",
		"enode:/%s@10.0.0.1:30303",
		"enode://%s0@10.0.0.1:30303",       /* 129 digits */
		"enr://%s@10.0.0.1:30303",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int err = parse(bad[i], &n);
		CHECK_EQ_INT(err, DURE_EENODE);
		if (err != DURE_EENODE)
			fprintf(stderr, "  accepted: %s\n", bad[i]);
	}
	CHECK_EQ_INT(n.ep.tcp, 0);
	/* 128 hex digits that are not a curve point. */
	char url[400];
	snprintf(url, sizeof url, "enode://%0128d@10.0.0.1:30303", 0);
	CHECK_EQ_INT(enode_parse(url, &n), DURE_EKEY);
	snprintf(url, sizeof url, "enode://%.127sg@10.0.0.1:30303", idhex);
	CHECK_EQ_INT(enode_parse(url, &n), DURE_EENODE);
	CHECK_EQ_INT(enode_parse(NULL, &n), DURE_EENODE);
}

static void test_nodekey(void)
{
	char dir[] = "/tmp/dure-nodekey-XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	char path[256];
	snprintf(path, sizeof path, "%s/nodekey", dir);
	uint8_t k1[32], k2[32], zero[32] = {0};
	CHECK_EQ_INT(nodekey_load(path, k1), DURE_ENOTFOUND);
	CHECK_EQ_INT(nodekey_load_or_create(dir, k1), 0);
	CHECK(memcmp(k1, zero, 32) != 0);
	struct stat st;
	CHECK_EQ_INT(stat(path, &st), 0);
	CHECK_EQ_INT(st.st_mode & 0777, 0600);
	CHECK_EQ_INT(st.st_size, 64);
	CHECK_EQ_INT(nodekey_load_or_create(dir, k2), 0);
	CHECK_MEM(k1, k2, 32);

	/* A malformed key is refused and left alone. */
	FILE *f = fopen(path, "w");
	fputs("not a key\n", f);
	fclose(f);
	CHECK_EQ_INT(nodekey_load_or_create(dir, k2), DURE_ENODEKEY);
	CHECK_MEM(k2, zero, 32);
	CHECK_EQ_INT(stat(path, &st), 0);
	CHECK_EQ_INT(st.st_size, 10);
	/* A zero key is not a valid secret. */
	f = fopen(path, "w");
	fprintf(f, "%064d", 0);
	fclose(f);
	CHECK_EQ_INT(nodekey_load(path, k2), DURE_ENODEKEY);
	/* geth style: hex with a trailing newline. */
	f = fopen(path, "w");
	fputs("b71c71a67e1177ad4e901695e1b4b9ee17ae16c6668d313eac2f96dbcda3f291\n",
	      f);
	fclose(f);
	CHECK_EQ_INT(nodekey_load(path, k2), 0);
	CHECK_EQ_INT(k2[0], 0xb7);
	/* Too long. */
	f = fopen(path, "w");
	for (int i = 0; i < 3; i++)
		fputs("b71c71a67e1177ad4e901695e1b4b9ee17ae16c6668d313eac2f96dbcda3f291",
		      f);
	fclose(f);
	CHECK_EQ_INT(nodekey_load(path, k2), DURE_ENODEKEY);
	unlink(path);
	rmdir(dir);
	CHECK_EQ_INT(nodekey_load_or_create("/nonexistent-dure-dir", k2), DURE_EIO);
}

TEST_MAIN(test_parse_print, test_parse_rejects, test_nodekey)
