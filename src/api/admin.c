/* admin_, net_, web3_ and dure_ p2p methods (see admin.h). */
#include "api/admin.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/hex.h"

static void ip_text(const net_endpoint *ep, char *out, size_t cap)
{
	if (!ep->ip_len || !inet_ntop(ep->ip_len == 4 ? AF_INET : AF_INET6,
	                              ep->ip, out, (socklen_t)cap))
		snprintf(out, cap, "%s", ep->ip_len == 16 ? "::" : "0.0.0.0");
}

static void addr_text(const net_endpoint *ep, uint16_t port, char *out,
                      size_t cap)
{
	char ip[INET6_ADDRSTRLEN];
	ip_text(ep, ip, sizeof ip);
	snprintf(out, cap, ep->ip_len == 16 ? "[%s]:%u" : "%s:%u", ip, port);
}

static json_t *id_json(const uint8_t id[64])
{
	char hex[129];
	hex_encode(id, 64, hex);
	return json_string(hex);
}

static json_t *enode_json(const enode *n)
{
	char url[ENODE_URL_MAX];
	if (enode_format(n, url, sizeof url) != 0)
		return json_null();
	return json_string(url);
}

/* The single enode URL parameter of an admin_ call, or an error reply. */
static bool param_enode(rpc_call *call, json_t *params, enode *out)
{
	json_t *p = json_is_array(params) && json_array_size(params) == 1
	                ? json_array_get(params, 0) : NULL;
	if (!json_is_string(p)) {
		rpc_reply_error(call, RPC_INVALID_PARAMS,
		                "expected one parameter: an enode URL", NULL);
		return false;
	}
	int err = enode_parse(json_string_value(p), out);
	if (err) {
		rpc_reply_error(call, RPC_INVALID_PARAMS, dure_strerror(err), NULL);
		return false;
	}
	return true;
}

static json_t *caps_json(const p2p_cap *caps, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++) {
		char s[P2P_CAP_NAME_MAX + 24];
		snprintf(s, sizeof s, "%.*s/%u", (int)P2P_CAP_NAME_MAX, caps[i].name,
		         caps[i].version);
		json_array_append_new(a, json_string(s));
	}
	return a;
}

static void m_node_info(rpc_call *call, json_t *params, void *arg)
{
	api_admin_ctx *ctx = arg;
	const enode *self = p2p_server_self(ctx->p2p);
	char ip[INET6_ADDRSTRLEN];
	ip_text(&self->ep, ip, sizeof ip);
	json_t *protocols = json_object();
	for (size_t i = 0; i < ctx->ncaps; i++)
		json_object_set_new(protocols, ctx->caps[i].name,
		                    json_pack("{s:I}", "version",
		                              (json_int_t)ctx->caps[i].version));
	json_t *r = json_pack("{s:o, s:o, s:s, s:{s:i, s:i}, s:s, s:s, s:o}",
	                      "enode", enode_json(self), "id", id_json(self->id),
	                      "ip", ip, "ports", "discovery", (int)self->ep.udp,
	                      "listener", (int)self->ep.tcp, "listenAddr",
	                      ctx->listen_addr, "name", ctx->client_id,
	                      "protocols", protocols);
	if (!r)
		rpc_reply_error(call, RPC_INTERNAL_ERROR, "out of memory", NULL);
	else
		rpc_reply(call, r);
}

static void m_peers(rpc_call *call, json_t *params, void *arg)
{
	api_admin_ctx *ctx = arg;
	p2p_peer_info *v;
	size_t n;
	if (p2p_server_peers(ctx->p2p, &v, &n) != 0) {
		rpc_reply_error(call, RPC_INTERNAL_ERROR, "out of memory", NULL);
		return;
	}
	json_t *a = json_array();
	for (size_t i = 0; i < n && a; i++) {
		const p2p_peer_info *p = &v[i];
		enode e;
		memcpy(e.id, p->id, 64);
		e.ep = p->remote;
		/* Its URL names the port it listens on, not its end of our
		 * connection (an ephemeral port when it dialled us). */
		e.ep.tcp = p->listen_port ? p->listen_port : p->remote.tcp;
		e.ep.udp = e.ep.tcp;
		char local[64], remote[64];
		addr_text(&p->local, p->local.tcp, local, sizeof local);
		addr_text(&p->remote, p->remote.tcp, remote, sizeof remote);
		json_t *o = json_pack(
			"{s:o, s:o, s:s, s:o, s:{s:s, s:s, s:b, s:b, s:b}}", "id",
			id_json(p->id), "enode", enode_json(&e), "name", p->client_id,
			"caps", caps_json(p->caps, p->ncaps), "network", "localAddress",
			local, "remoteAddress", remote, "inbound", p->inbound, "trusted",
			p->trusted, "static", p->is_static);
		if (!o || json_array_append_new(a, o) != 0) {
			json_decref(a);
			a = NULL;
		}
	}
	free(v);
	if (!a)
		rpc_reply_error(call, RPC_INTERNAL_ERROR, "out of memory", NULL);
	else
		rpc_reply(call, a);
}

static void reply_status(rpc_call *call, int err, bool notfound_is_false)
{
	if (!err)
		rpc_reply(call, json_true());
	else if (err == DURE_ENOTFOUND && notfound_is_false)
		rpc_reply(call, json_false());
	else
		rpc_reply_error(call, RPC_INVALID_PARAMS, dure_strerror(err), NULL);
}

static void m_add_peer(rpc_call *call, json_t *params, void *arg)
{
	api_admin_ctx *ctx = arg;
	enode n;
	if (param_enode(call, params, &n))
		reply_status(call, p2p_server_add_static(ctx->p2p, &n), false);
}

static void m_remove_peer(rpc_call *call, json_t *params, void *arg)
{
	api_admin_ctx *ctx = arg;
	enode n;
	if (param_enode(call, params, &n))
		reply_status(call, p2p_server_remove_static(ctx->p2p, n.id), true);
}

static void m_add_trusted(rpc_call *call, json_t *params, void *arg)
{
	api_admin_ctx *ctx = arg;
	enode n;
	if (param_enode(call, params, &n))
		reply_status(call, p2p_server_add_trusted(ctx->p2p, n.id), false);
}

static void m_remove_trusted(rpc_call *call, json_t *params, void *arg)
{
	api_admin_ctx *ctx = arg;
	enode n;
	if (param_enode(call, params, &n))
		reply_status(call, p2p_server_remove_trusted(ctx->p2p, n.id), true);
}

static void m_peer_count(rpc_call *call, json_t *params, void *arg)
{
	api_admin_ctx *ctx = arg;
	char s[24];
	snprintf(s, sizeof s, "0x%zx", p2p_server_peer_count(ctx->p2p));
	rpc_reply(call, json_string(s));
}

static void m_listening(rpc_call *call, json_t *params, void *arg)
{
	rpc_reply(call, json_true());
}

static void m_client_version(rpc_call *call, json_t *params, void *arg)
{
	api_admin_ctx *ctx = arg;
	rpc_reply(call, json_string(ctx->client_id));
}

static void add_node_url(void *arg, const enode *n)
{
	json_array_append_new(arg, enode_json(n));
}

static void m_discovery_table(rpc_call *call, json_t *params, void *arg)
{
	api_admin_ctx *ctx = arg;
	json_t *nodes = json_array(), *verified = json_array();
	if (nodes)
		p2p_server_foreach_node(ctx->p2p, add_node_url, nodes);
	size_t nverified = 0;
	if (verified)
		nverified = p2p_server_foreach_known(ctx->p2p, API_ADMIN_VERIFIED_MS,
		                                     add_node_url, verified);
	json_t *r = json_pack("{s:I, s:o, s:I, s:o}", "size",
	                      (json_int_t)p2p_server_table_size(ctx->p2p),
	                      "nodes", nodes, "verified", (json_int_t)nverified,
	                      "verifiedNodes", verified);
	if (!r)
		rpc_reply_error(call, RPC_INTERNAL_ERROR, "out of memory", NULL);
	else
		rpc_reply(call, r);
}

static void m_p2p_stats(rpc_call *call, json_t *params, void *arg)
{
	api_admin_ctx *ctx = arg;
	p2p_peer_info *v;
	size_t n, inbound = 0;
	if (p2p_server_peers(ctx->p2p, &v, &n) != 0) {
		rpc_reply_error(call, RPC_INTERNAL_ERROR, "out of memory", NULL);
		return;
	}
	for (size_t i = 0; i < n; i++)
		inbound += v[i].inbound;
	free(v);
	json_t *r = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}", "table",
	                      (json_int_t)p2p_server_table_size(ctx->p2p),
	                      "verified",
	                      (json_int_t)p2p_server_foreach_known(
	                          ctx->p2p, API_ADMIN_VERIFIED_MS, NULL, NULL),
	                      "peers",
	                      (json_int_t)n, "inbound", (json_int_t)inbound,
	                      "outbound", (json_int_t)(n - inbound), "bans",
	                      (json_int_t)p2p_server_ban_count(ctx->p2p));
	if (!r)
		rpc_reply_error(call, RPC_INTERNAL_ERROR, "out of memory", NULL);
	else
		rpc_reply(call, r);
}

int api_admin_register_client_version(rpc_registry *reg, api_admin_ctx *ctx)
{
	return rpc_register(reg, "web3_clientVersion", m_client_version, ctx);
}

int api_admin_register(rpc_registry *reg, api_admin_ctx *ctx)
{
	static const rpc_method methods[] = {
		{"admin_nodeInfo", m_node_info},
		{"admin_peers", m_peers},
		{"admin_addPeer", m_add_peer},
		{"admin_removePeer", m_remove_peer},
		{"admin_addTrustedPeer", m_add_trusted},
		{"admin_removeTrustedPeer", m_remove_trusted},
		{"net_peerCount", m_peer_count},
		{"net_listening", m_listening},
		{"dure_discoveryTable", m_discovery_table},
		{"dure_p2pStats", m_p2p_stats},
	};
	return rpc_register_all(reg, methods, sizeof methods / sizeof *methods,
	                        ctx);
}
