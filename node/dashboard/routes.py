"""The dashboard's routes: each address, its method and the name of its handler. A table of its own so
that both the light module that adds them at start (node.dashboard.lazy) and the dashboard loaded at
the first page (node.dashboard.app, which finds the handlers by these names) read one list."""
from __future__ import annotations

# (method, path, the handler's name in node.dashboard.app.handlers); only GET and POST
ROUTES = (
    ("GET", "/", "overview"),
    ("GET", "/fragment/overview", "overview_fragment"),
    ("GET", "/fragment/alerts", "alerts_fragment"),
    ("GET", "/event/{id:[0-9a-f]{64}}", "event"),
    ("GET", "/fragment/event/{id:[0-9a-f]{64}}", "event_fragment"),
    ("GET", "/event/{id:[0-9a-f]{64}}/withdraw", "withdraw_form"),  # `solnet redact`
    ("POST", "/event/{id:[0-9a-f]{64}}/withdraw", "withdraw_submit"),
    ("GET", "/groups", "groups"),
    ("GET", "/device/{id:[0-9a-f]{64}}/revoke", "revoke_form"),  # `solnet revoke`
    ("POST", "/device/{id:[0-9a-f]{64}}/revoke", "revoke_submit"),
    ("GET", "/publish", "publish_index"),
    ("GET", "/publish/{kind}", "publish_form"),
    ("POST", "/publish/{kind}", "publish_submit"),
    ("GET", "/login", "login_form"),
    ("GET", "/login/link", "login_link"),
    ("POST", "/login/link", "login_link_submit"),
    ("POST", "/login", "login_submit"),
    ("POST", "/logout", "logout"),
    ("GET", "/admin/wipe", "wipe_form"),
    ("POST", "/admin/wipe", "wipe_submit"),
    ("GET", "/live", "live"),
    ("GET", "/static/{name}", "static_file"),
    ("GET", "/public/", "public_page"),
    ("GET", "/public/alerts", "public_page"),
    ("GET", "/public/{name:(alerts|actions|fundraisers)[.]atom}", "public_feed"),
    ("GET", "/public/{name:calendar[.]ics}", "public_feed"),
    ("GET", "/public/calendar/{region:[a-z0-9][a-z0-9-]{0,39}}.ics", "public_feed"),
)
