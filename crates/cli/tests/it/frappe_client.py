"""Drives the `frappe-client` package from PyPI (Frappe's own Python client) against a client's
space: customers, items and sales invoices inserted, listed with filters, submitted, cancelled,
read, changed and deleted, through both the REST form (`/api/resource`) and the RPC form
(`cmd=<method>` on `/`, and `/api/method/<method>`).

That library ignores HTTP statuses, so every response is recorded by a hook on its requests
session, and every one is checked. Prints a JSON summary on success; any failure raises.
"""

import json
import os

from frappeclient import FrappeClient
from frappeclient.frappeclient import FrappeException

URL = os.environ["FRAPPE_URL"]
HOST = os.environ["FRAPPE_HOST"]
AUTH = os.environ["FRAPPE_AUTH"]  # "token key:secret"
USR = os.environ["FRAPPE_USR"]
PWD = os.environ["FRAPPE_PWD"]

calls = []  # [method, path, status, checked]


def record(response, *args, **kwargs):
    calls.append([response.request.method, response.request.path_url, response.status_code, False])


def client(token):
    c = FrappeClient(URL)
    # The server routes by host; the test server listens on 127.0.0.1.
    c.session.headers.update({"Host": HOST})
    if token:
        c.session.headers.update({"Authorization": AUTH})
    c.session.hooks["response"].append(record)
    return c


def expect(status):
    """The last call, not checked yet, answered `status`."""
    last = calls[-1]
    assert not last[3], f"no new call: {last}"
    assert last[2] == status, f"expected {status}: {last}"
    last[3] = True


def refused(status, exc_type, fn, *args):
    try:
        fn(*args)
    except FrappeException as e:
        assert exc_type in str(e), f"{exc_type} not in {e}"
        expect(status)
        return
    raise AssertionError(f"not refused: {calls[-1]}")


def invoice(qty):
    return {"doctype": "Sales Invoice", "customer": "Py Retail", "items": [{"item_code": "PYW", "qty": qty}]}


c = client(token=True)

# insert: REST (a form's `data`) and RPC (POST / with cmd=frappe.client.insert).
cust = c.insert({"doctype": "Customer", "customer_name": "Py Retail", "city": "Leeds"})
expect(200)
assert cust["name"] == "Py Retail", cust
item = c.insert({"doctype": "Item", "item_code": "PYW", "item_name": "Py widget", "is_stock_item": 0,
                 "standard_rate": "12.50"})
expect(200)
assert item["standard_rate"] == 12.5, item
inv = c.insert(invoice(2))
expect(200)
assert inv["docstatus"] == 0 and inv["grand_total"] == 30.0, inv
inv2 = c.post_request({"cmd": "frappe.client.insert", "doc": invoice(1)})
expect(200)
assert inv2["docstatus"] == 0 and inv2["grand_total"] == 15.0, inv2

# Lists with filters: REST and RPC (GET / with cmd), and a count through /api/method.
rows = c.get_list("Sales Invoice", fields=["name", "grand_total", "docstatus"],
                  filters={"customer": "Py Retail", "docstatus": 0})
expect(200)
assert sorted(r["name"] for r in rows) == sorted([inv["name"], inv2["name"]]), rows
rows = c.get_request({"cmd": "frappe.client.get_list", "doctype": "Sales Invoice", "fields": ["name"],
                      "filters": [["grand_total", ">", 20]]})
expect(200)
assert rows == [{"name": inv["name"]}], rows
count = c.get_api("frappe.client.get_count", {"doctype": "Sales Invoice"})
expect(200)
assert count == 2, count

# submit: RPC (the whole document as `doclist`) and REST (PUT with docstatus 1).
sub = c.submit(inv)
expect(200)
assert sub["docstatus"] == 1 and sub["name"].startswith("SINV-") and "DRAFT" not in sub["name"], sub
sub2 = c.update({"doctype": "Sales Invoice", "name": inv2["name"], "docstatus": 1})
expect(200)
assert sub2["docstatus"] == 1, sub2

# read: REST and RPC; one value through RPC.
doc = c.get_doc("Sales Invoice", sub["name"])
expect(200)
assert doc["grand_total"] == 30.0 and doc["items"][0]["item_code"] == "PYW", doc
doc = c.get_request({"cmd": "frappe.client.get", "doctype": "Sales Invoice", "name": sub2["name"]})
expect(200)
assert doc["docstatus"] == 1, doc
value = c.get_value("Sales Invoice", "outstanding_amount", {"name": sub["name"]})
expect(200)
assert value == {"outstanding_amount": 30.0}, value

# set a value: RPC (POST / and POST /api/method with the arguments in the query) and REST.
c.set_value("Customer", "Py Retail", "city", "York")
expect(200)
c.post_api("frappe.client.set_value", {"doctype": "Customer", "name": "Py Retail", "fieldname": "pincode",
                                       "value": "YO1 7HH"})
expect(200)
c.update({"doctype": "Customer", "name": "Py Retail", "mobile_no": "0113 496 0000"})
expect(200)
cust = c.get_doc("Customer", "Py Retail")
expect(200)
assert (cust["city"], cust["pincode"], cust["mobile_no"]) == ("York", "YO1 7HH", "0113 496 0000"), cust

# cancel: RPC and REST (PUT with docstatus 2).
cancelled = c.cancel("Sales Invoice", sub["name"])
expect(200)
assert cancelled["docstatus"] == 2, cancelled
cancelled = c.update({"doctype": "Sales Invoice", "name": sub2["name"], "docstatus": 2})
expect(200)
assert cancelled["docstatus"] == 2, cancelled

# delete a draft: RPC (answers {}) and REST (DELETE, 202 {"message": "ok"}).
draft = c.insert(invoice(3))
expect(200)
assert c.delete("Sales Invoice", draft["name"]) is None
expect(200)
refused(404, "DoesNotExistError", c.get_doc, "Sales Invoice", draft["name"])
draft2 = c.insert(invoice(4))
expect(200)
res = c.session.delete(URL + "/api/resource/Sales Invoice/" + draft2["name"])
expect(202)
assert res.json() == {"message": "ok"}, res.text

# Refusals carry `exc`, so the library raises, with ERPNext's exc_type and status.
refused(417, "ValidationError", c.delete, "Sales Invoice", sub["name"])
refused(403, "PermissionError", c.delete, "Customer", "Py Retail")
refused(417, "ValidationError", c.insert, {"doctype": "Customer", "customer_name": 5})
refused(417, "DocstatusTransitionError", c.submit, {"doctype": "Customer", "name": "Py Retail"})

# Signing in with a password (POST / with cmd=login): reads work with the cookie; a write needs
# the session's CSRF token, which the sign-in returned.
s = client(token=False)
login = s.login(USR, PWD)
expect(200)
rows = s.get_list("Customer", fields=["name"], filters={"name": "Py Retail"})
expect(200)
assert rows == [{"name": "Py Retail"}], rows
refused(403, "PermissionError", s.set_value, "Customer", "Py Retail", "city", "Hull")
s.session.headers.update({"X-Frappe-CSRF-Token": login["csrf_token"]})
s.set_value("Customer", "Py Retail", "city", "Whitby")
expect(200)
s.logout()
expect(200)

assert calls and all(checked for *_, checked in calls), [c for c in calls if not c[3]]
print(json.dumps({
    "calls": [c[:3] for c in calls],
    "cancelled": [sub["name"], sub2["name"]],
    "deleted": [draft["name"], draft2["name"]],
}))
