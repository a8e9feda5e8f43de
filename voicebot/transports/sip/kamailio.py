"""Kamailio in front of the SIP workers: dispatcher with OPTIONS probing, failover to the next
worker on 486, 5xx or timeout, and pike flood protection. Pure: returns file contents.

Each worker (`voicebot serve --workers N`, or a worker on another machine) is one
dispatcher destination; probing marks a dead one inactive until it answers OPTIONS again.
"""

from __future__ import annotations

from dataclasses import dataclass

MODULES = ("tm", "sl", "rr", "maxfwd", "textops", "siputils", "xlog", "pv", "tmx", "sanity", "dispatcher", "pike")


@dataclass(frozen=True)
class ProxyConfig:
    listen_host: str = "127.0.0.1"
    listen_port: int = 5060
    tcp: bool = True
    ping_interval_s: int = 2
    branch_timeout_ms: int = 2000  # no reply from a worker in this time: try the next one
    pike_window_s: int = 2
    pike_max_requests: int = 60  # per source IP per window, initial requests only
    children: int = 2


def worker_uris(host: str, first_port: int, count: int) -> list[str]:
    return [f"sip:{host}:{first_port + i}" for i in range(count)]


def dispatcher_list(workers: list[str], setid: int = 1) -> str:
    lines = ["# setid destination flags priority attributes"]
    lines += [f"{setid} {uri} 0 0 duid=w{i}" for i, uri in enumerate(workers)]
    return "\n".join(lines) + "\n"


def kamailio_cfg(cfg: ProxyConfig, list_path: str, setid: int = 1) -> str:
    listens = [f"listen=udp:{cfg.listen_host}:{cfg.listen_port}"]
    if cfg.tcp:
        listens.append(f"listen=tcp:{cfg.listen_host}:{cfg.listen_port}")
    mods = "\n".join(f'loadmodule "{m}.so"' for m in MODULES)
    return f"""#!KAMAILIO
# Written by `voicebot kamailio-config`: a stateless-looking, transaction-stateful front for
# voicebot SIP workers. Workers: {list_path}

debug=2
log_stderror=yes
fork=yes
children={cfg.children}
tcp_children={cfg.children}
auto_aliases=no
{chr(10).join(listens)}

{mods}

modparam("tm", "fr_timer", {cfg.branch_timeout_ms})
modparam("tm", "fr_inv_timer", 60000)
modparam("rr", "enable_full_lr", 1)
modparam("dispatcher", "list_file", "{list_path}")
modparam("dispatcher", "flags", 2)
modparam("dispatcher", "xavp_dst", "_dsdst_")
modparam("dispatcher", "ds_ping_method", "OPTIONS")
modparam("dispatcher", "ds_ping_from", "sip:proxy@{cfg.listen_host}")
modparam("dispatcher", "ds_ping_interval", {cfg.ping_interval_s})
modparam("dispatcher", "ds_probing_mode", 1)
modparam("dispatcher", "ds_probing_threshold", 1)
modparam("dispatcher", "ds_inactive_threshold", 1)
modparam("dispatcher", "ds_ping_reply_codes", "class=2;code=486")
modparam("pike", "sampling_time_unit", {cfg.pike_window_s})
modparam("pike", "reqs_density_per_unit", {cfg.pike_max_requests})
modparam("pike", "remove_latency", 4)

request_route {{
    if (!mf_process_maxfwd_header("10")) {{
        sl_send_reply("483", "Too Many Hops");
        exit;
    }}
    if (!sanity_check("17895", "7")) {{
        exit;
    }}
    # Flood protection for what callers send; workers' own in-dialog requests are exempt.
    if (!has_totag() && !ds_is_from_list("{setid}") && !pike_check_req()) {{
        xlog("L_ALERT", "pike: blocking $rm from $si\\n");
        exit;
    }}
    if (is_method("OPTIONS") && uri == myself && $rU == $null) {{
        sl_send_reply("200", "OK");
        exit;
    }}
    if (has_totag()) {{
        if (loose_route()) {{
            route(RELAY);
        }}
        if (is_method("ACK") && t_check_trans()) {{
            route(RELAY);
        }}
        if (!is_method("ACK")) {{
            sl_send_reply("404", "Not here");
        }}
        exit;
    }}
    if (is_method("CANCEL")) {{
        if (t_check_trans()) {{
            route(RELAY);
        }}
        exit;
    }}
    t_check_trans();
    if (!is_method("INVITE|OPTIONS|INFO")) {{
        sl_send_reply("405", "Method Not Allowed");
        exit;
    }}
    record_route();
    # Round robin over the active workers; the others stay listed for failover.
    if (!ds_select_dst("{setid}", "4")) {{
        sl_send_reply("503", "No voicebot worker available");
        exit;
    }}
    t_on_failure("FAILOVER");
    route(RELAY);
}}

route[RELAY] {{
    if (!t_relay()) {{
        sl_reply_error();
    }}
    exit;
}}

failure_route[FAILOVER] {{
    if (t_is_canceled()) {{
        exit;
    }}
    if (t_branch_timeout() && !t_branch_replied()) {{
        ds_mark_dst("ip");
    }} else if (!t_check_status("486|5[0-9][0-9]")) {{
        exit;
    }}
    if (ds_next_dst()) {{
        xlog("L_INFO", "failover: $rm $ci to $du\\n");
        t_on_failure("FAILOVER");
        route(RELAY);
    }}
}}
"""
