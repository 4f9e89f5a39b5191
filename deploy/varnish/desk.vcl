# The edge cache in front of the load balancer (haproxy): public pages and API answers only,
# forgotten by key. The application tags every answer the edge may keep with an `xkey` header
# (newsroom/site/edge.py) and, after a change commits, sends `PURGE` with `xkey-purge: <keys>`
# (a hard purge: purged objects are gone, grace never serves them).
#
# `site.vcl` (next to this file or on varnishd's vcl_path) defines, per installation:
#   backend default { .host = …; .port = …; .probe = … }   # the load balancer, its /healthz probed
#   acl purgers { … }                                         # the web nodes (who may PURGE)
# bench/cluster_edge.py writes one for `make cluster`; deploy/varnish/site.vcl.example is the model.
vcl 4.1;

import std;
import xkey;

include "site.vcl";

sub vcl_recv {
    if (req.method == "PURGE") {
        if (client.ip !~ purgers) {
            return (synth(403, "Forbidden"));
        }
        if (!req.http.xkey-purge) {
            return (synth(400, "A purge names its keys in the xkey-purge header"));
        }
        set req.http.n-gone = xkey.purge(req.http.xkey-purge);
        return (synth(200, "Purged " + req.http.n-gone + " objects"));
    }
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    # The desk, the admin, accounts, invitations, the newsletter forms and the health check are
    # per person or per moment: never from the edge, whatever they answer.
    if (req.url ~ "^/(desk|admin|accounts|join|newsletter|healthz)(/|\?|$)") {
        return (pass);
    }
    if (req.http.Authorization) {
        return (pass);
    }
    # Tracking parameters change nothing a page shows: one cached copy for every campaign link.
    if (req.url ~ "[?&](utm_[a-z]+|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid|yclid|_ga)=") {
        set req.url = regsuball(req.url, "(utm_[a-z]+|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid|yclid|_ga)=[^&]*&?", "");
        set req.url = regsub(req.url, "[?&]+$", "");
        set req.url = regsub(req.url, "\?&+", "?");
    }
    # Analytics cookies are read by scripts in the browser, never by the site: dropped. Any other
    # cookie (a desk session, a CSRF token) means the answer might be personal: passed through.
    if (req.http.Cookie) {
        set req.http.Cookie = regsuball(req.http.Cookie, "(^|;\s*)(_ga[^=]*|_gid|_gat[^=]*|_gcl_[^=]*|_fbp|_fbc|__utm[^=]*|_hj[^=]*|_pk_[^=]*|_clck|_clsk)=[^;]*", "");
        set req.http.Cookie = regsub(req.http.Cookie, "^;\s*", "");
        if (req.http.Cookie ~ "^\s*$") {
            unset req.http.Cookie;
        } else {
            return (pass);
        }
    }
    # Stale answers: only 10 s past their time while the web nodes answer (a background fetch
    # refreshes them), up to the whole grace while the load balancer reports them down.
    if (std.healthy(req.backend_hint)) {
        set req.grace = 10s;
    }
    return (hash);
}

sub vcl_backend_response {
    # A failed refresh keeps the stale copy (stale-if-error) instead of caching the error.
    if (beresp.status >= 500 && bereq.is_bgfetch) {
        return (abandon);
    }
    # Only what the application tagged, never a cookie or a private answer.
    if (bereq.uncacheable || !beresp.http.xkey || beresp.http.Set-Cookie
        || beresp.http.Cache-Control ~ "(private|no-store|no-cache)" || beresp.status != 200) {
        set beresp.uncacheable = true;
        set beresp.ttl = 30s;  # hit-for-miss: the next request goes to the backend straight away
        return (deliver);
    }
    # Purged by key on every change, so kept long; browsers still get max-age from the page.
    set beresp.ttl = 1h;
    set beresp.grace = 6h;
    return (deliver);
}

sub vcl_backend_error {
    if (bereq.is_bgfetch) {
        return (abandon);
    }
}

sub vcl_deliver {
    # The keys are for this cache only.
    unset resp.http.xkey;
    if (obj.hits > 0) {
        set resp.http.X-Cache = "HIT";
    } else {
        set resp.http.X-Cache = "MISS";
    }
}
