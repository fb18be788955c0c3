#!/usr/bin/env python3
"""Regenerate prompts.jsonl: synthetic tool-calling agent traffic for Qwen3-30B-A3B.

This is *example* traffic for the planner's examples. Replace prompts.jsonl with requests logged
from your own agent (the full message list sent to the model at each step, with the reply the
model gave) before trusting a plan.

Each record is one call to the model inside an agent loop: a system prompt carrying the tool
definitions (rendered the way Qwen3's chat template renders `tools`), the user's request, the
tool calls made so far (assistant turns holding `<tool_call>` blocks) and their results (`tool`
turns holding JSON), and as `output` what the model says next: another tool call or the final
answer. Four agents are simulated (shop support, analytics over SQL, a coding agent and a
personal assistant), each with a few scripted tasks whose ids, names, numbers and tool results
are drawn from seeded pools. Some records continue a session after an earlier finished task.

    python examples/moe-qwen3-30b-a3b/make_sample.py          # writes prompts.jsonl beside it

Only the standard library is used.
"""

from __future__ import annotations

import argparse
import json
import random
from collections.abc import Callable
from pathlib import Path

SEED = 7
N_RECORDS = 300

# ============================================================== tools and system prompts


def fn(name: str, description: str, params: dict, required: list[str]) -> dict:
    """An OpenAI-style function tool definition."""
    return {"type": "function", "function": {"name": name, "description": description, "parameters": {
        "type": "object", "properties": params, "required": required}}}


S = {"type": "string"}
INT = {"type": "integer"}


def desc(kind: dict, text: str, **extra) -> dict:
    return {**kind, "description": text, **extra}


SHOP_TOOLS = [
    fn("get_order", "Look up an order by its id. Returns status, items, shipping address and tracking numbers.",
       {"order_id": desc(S, "Order id, e.g. NP-48213")}, ["order_id"]),
    fn("list_orders", "List the most recent orders for a customer, newest first.",
       {"email": desc(S, "Customer e-mail address"), "limit": desc(INT, "How many orders to return", default=5)},
       ["email"]),
    fn("track_shipment", "Get carrier tracking events for a shipment.",
       {"tracking_number": desc(S, "Carrier tracking number")}, ["tracking_number"]),
    fn("search_products", "Search the product catalogue. Supports filters on price, size and attributes.",
       {"query": desc(S, "Free-text search, e.g. 'waterproof hiking jacket'"),
        "max_price": desc({"type": "number"}, "Maximum price in USD"),
        "size": desc(S, "Size to check stock for, e.g. M or 42"),
        "limit": desc(INT, "Maximum results", default=5)}, ["query"]),
    fn("get_return_policy", "Return and exchange rules for a product category.",
       {"category": desc(S, "Product category", enum=["footwear", "clothing", "tents", "packs", "electronics"])},
       ["category"]),
    fn("create_return", "Open a return for items from an order and e-mail the customer a prepaid label.",
       {"order_id": S, "item_ids": {"type": "array", "items": S},
        "reason": desc(S, "Reason code", enum=["too_small", "too_large", "defective", "not_as_described", "changed_mind"]),
        "exchange_size": desc(S, "Size to send instead, for exchanges")}, ["order_id", "item_ids", "reason"]),
    fn("escalate_to_human", "Hand the conversation to a human agent with a summary. Use for complaints, damaged or "
       "repeat-defect items, and anything you cannot resolve.",
       {"summary": desc(S, "What happened and what the customer wants"),
        "priority": desc(S, "Queue priority", enum=["normal", "high"])}, ["summary"]),
]
SHOP_SYSTEM = ("You are the customer support assistant for Northpeak Outdoor, an online outdoor gear shop. Help "
               "customers with orders, deliveries, returns and product questions. Always look things up with the "
               "tools instead of guessing; never invent order details, stock or prices. Returns are free within 60 "
               "days for unworn items. Be warm and brief, use the customer's first name when you know it, and "
               "confirm before opening a return. If the customer is upset about a repeat problem or asks for a "
               "person, escalate to a human.")

DATA_TOOLS = [
    fn("list_tables", "List the tables in the analytics warehouse with a one-line description each.", {}, []),
    fn("describe_table", "Columns, types and a few example rows of a table.",
       {"table": desc(S, "Table name, e.g. sales.orders")}, ["table"]),
    fn("run_sql", "Run a read-only SQL query (PostgreSQL dialect) against the warehouse and return up to 200 rows.",
       {"query": desc(S, "A single SELECT statement")}, ["query"]),
    fn("create_chart", "Render a chart from query results and return a link to the image.",
       {"kind": desc(S, "Chart type", enum=["bar", "line", "pie"]), "title": S,
        "x": desc(S, "Column for the x axis"), "y": desc(S, "Column for the y axis"),
        "data": {"type": "array", "items": {"type": "object"}, "description": "Rows to plot"}},
       ["kind", "title", "x", "y", "data"]),
]
DATA_SYSTEM = ("You are DataPilot, an analytics assistant for the Harbour & Finch commercial team. Answer business "
               "questions by querying the warehouse. Inspect table schemas before writing SQL you are unsure about. "
               "Use only SELECT statements. Dates are stored in UTC. Revenue means net revenue (after discounts, "
               "before tax) unless the user says otherwise. Present results as a short answer followed by a compact "
               "Markdown table, and mention any caveat in the data.")

CODE_TOOLS = [
    fn("list_dir", "List files and folders at a path in the repository.", {"path": desc(S, "Path relative to the repo root")},
       ["path"]),
    fn("read_file", "Read a text file from the repository, optionally a line range.",
       {"path": S, "start_line": INT, "end_line": INT}, ["path"]),
    fn("search_code", "Search the repository for a regular expression. Returns matching lines with file and line number.",
       {"pattern": S, "path": desc(S, "Limit the search to this folder")}, ["pattern"]),
    fn("run_tests", "Run the test suite (pytest) or a subset of it and return the summary and failures.",
       {"target": desc(S, "Test file, folder or node id; empty for all tests")}, []),
    fn("apply_patch", "Apply a unified diff to the working tree.", {"diff": desc(S, "A unified diff")}, ["diff"]),
]
CODE_SYSTEM = ("You are a coding agent working in the user's Python repository `tallyho` (a small time-tracking CLI). "
               "Use the tools to inspect code and run tests before changing anything. Make minimal, focused changes "
               "that follow the existing style, and run the relevant tests after each change. When you are done, "
               "summarise what you changed and why in a few sentences.")

PA_TOOLS = [
    fn("list_events", "List calendar events between two times.",
       {"start": desc(S, "ISO 8601 start"), "end": desc(S, "ISO 8601 end")}, ["start", "end"]),
    fn("create_event", "Create a calendar event and optionally invite people.",
       {"title": S, "start": S, "end": S, "location": S, "attendees": {"type": "array", "items": S}},
       ["title", "start", "end"]),
    fn("search_email", "Search the mailbox. Returns message ids, senders, subjects and dates.",
       {"query": desc(S, "Search terms; supports from:, subject:, after:"), "limit": INT}, ["query"]),
    fn("read_email", "Read the full text of an e-mail.", {"message_id": S}, ["message_id"]),
    fn("send_email", "Send an e-mail on the user's behalf.", {"to": {"type": "array", "items": S}, "subject": S, "body": S},
       ["to", "subject", "body"]),
    fn("get_weather", "Weather forecast for a city and date.", {"city": S, "date": desc(S, "YYYY-MM-DD")}, ["city", "date"]),
]
PA_SYSTEM = ("You are a personal assistant with access to the user's calendar and e-mail. The user is {user}, based "
             "in {city}, time zone {tz}. Today is {today}. Check the calendar before proposing times, ask before "
             "sending e-mails on the user's behalf unless they have clearly asked you to send one, and keep replies "
             "short.")


def render_system(text: str, tools: list[dict]) -> str:
    """System text plus tools, as Qwen3's chat template renders `tools=[...]`."""
    lines = "\n".join(json.dumps(t, ensure_ascii=False) for t in tools)
    return (f"{text}\n\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\n"
            f"You are provided with function signatures within <tools></tools> XML tags:\n<tools>\n{lines}\n</tools>\n\n"
            "For each function call, return a json object with function name and arguments within "
            "<tool_call></tool_call> XML tags:\n<tool_call>\n{\"name\": <function-name>, \"arguments\": "
            "<args-json-object>}\n</tool_call>")


def call(name: str, **arguments) -> str:
    return "<tool_call>\n" + json.dumps({"name": name, "arguments": arguments}, ensure_ascii=False) + "\n</tool_call>"


def result(obj) -> str:
    return json.dumps(obj, ensure_ascii=False)


# ============================================================== pools

FIRST = ["Priya", "Tom", "Aisha", "Marcus", "Elena", "Kenji", "Sofia", "David", "Grace", "Omar", "Hannah", "Luis",
         "Mei", "Jonas", "Fatima", "Ben", "Chloe", "Raj", "Ingrid", "Samuel"]
LAST = ["Patel", "Nguyen", "Okafor", "Schmidt", "Rossi", "Tanaka", "Garcia", "Johansson", "Kowalski", "Murphy",
        "Haddad", "Silva", "Chen", "Larsen", "Novak"]
CITIES = [("Berlin", "Europe/Berlin"), ("Chicago", "America/Chicago"), ("London", "Europe/London"),
          ("Toronto", "America/Toronto"), ("Melbourne", "Australia/Melbourne"), ("Lisbon", "Europe/Lisbon")]
PRODUCTS = [  # (sku, name, category, price)
    ("FW-1182", "Ridgeline Mid GTX hiking boots", "footwear", 189.0),
    ("FW-1207", "Talus trail running shoes", "footwear", 139.0),
    ("CL-2210", "Stormshell 2.5L waterproof jacket", "clothing", 149.0),
    ("CL-2231", "Drift packable rain jacket", "clothing", 99.0),
    ("CL-2302", "Alpen insulated hooded jacket", "clothing", 229.0),
    ("CL-2115", "Merino 200 long-sleeve base layer", "clothing", 79.0),
    ("TN-3004", "Kestrel 2-person backpacking tent", "tents", 349.0),
    ("TN-3020", "Basecamp 4 family tent", "tents", 429.0),
    ("PK-4101", "Cirque 38L daypack", "packs", 129.0),
    ("PK-4150", "Longtrail 60L backpack", "packs", 259.0),
    ("EL-5012", "Beacon 400 rechargeable headlamp", "electronics", 59.0),
    ("CL-2244", "Coastline softshell jacket", "clothing", 139.0),
    ("CL-2260", "Summit down vest", "clothing", 119.0),
]
CARRIERS = ["UPS", "FedEx", "DHL Express"]
SHORT_NAMES = {"FW-1182": "hiking boots", "FW-1207": "trail shoes", "CL-2210": "waterproof jacket",
               "CL-2231": "rain jacket", "CL-2302": "insulated jacket", "CL-2115": "base layer", "TN-3004": "tent",
               "TN-3020": "family tent", "PK-4101": "daypack", "PK-4150": "backpack", "EL-5012": "headlamp",
               "CL-2244": "softshell jacket", "CL-2260": "down vest"}
HUBS = ["Reno, NV", "Louisville, KY", "Memphis, TN", "Columbus, OH", "Allentown, PA", "Salt Lake City, UT",
        "Indianapolis, IN", "Ontario, CA"]
REGIONS = ["North America", "UK & Ireland", "DACH", "Nordics", "Southern Europe", "APAC"]
DATA_PRODUCTS = ["Harbour Blend 1kg", "Finch Espresso 500g", "Cold Brew Kit", "Ceramic Pour-over Set", "Barista Milk Jug",
                 "Travel Press", "Decaf Night Owl 1kg", "Single Origin Sampler", "Burr Grinder Mini", "Filter Papers x200",
                 "Gift Card 50", "Descaling Tablets"]


def when(rng: random.Random, base_day: int = 0) -> tuple[str, str]:
    """(ISO date, readable date) in autumn 2024."""
    import datetime as dt

    d = dt.date(2024, 10, 1) + dt.timedelta(days=base_day + rng.randint(0, 45))
    return d.isoformat(), d.strftime("%A %-d %B")


# ============================================================== scripted tasks
# A task returns the user's request and a list of steps. Each step is what the assistant says
# (a tool call or the final answer) and, for tool calls, the tool result that comes back.

Step = tuple[str, str | None]  # (assistant message, tool result or None for the final answer)


def shop_where_is_order(rng: random.Random) -> tuple[str, list[Step]]:
    oid = f"NP-{rng.randint(40000, 59999)}"
    first, last = rng.choice(FIRST), rng.choice(LAST)
    sku, name, _cat, price = rng.choice(PRODUCTS)
    carrier = rng.choice(CARRIERS)
    tracking = f"1Z{rng.getrandbits(40):010X}" if carrier == "UPS" else str(rng.randint(10**11, 10**12 - 1))
    order_date, _ = when(rng)
    eta, eta_read = when(rng, 8)
    hubs = rng.sample(HUBS, rng.randint(2, 4))
    events = [{"time": f"{order_date}T{rng.randint(8, 20):02d}:{rng.randint(0, 59):02d}:00Z", "location": h,
               "status": s} for h, s in zip(hubs, ["Picked up", "Departed facility", "Arrived at facility",
                                                 "Departed facility"])]
    delayed = rng.random() < 0.35
    if delayed:
        events.append({"time": f"{eta}T06:12:00Z", "location": hubs[-1], "status": "Delay: weather conditions"})
    user = rng.choice([f"Hi, where is my order {oid}? It's been over a week.",
                       f"hey can you check order {oid}, tracking hasn't moved in days",
                       f"Order {oid} still hasn't arrived. When will it get here? - {first}"])
    order = {"order_id": oid, "status": "shipped", "placed": order_date,
             "customer": {"name": f"{first} {last}", "email": f"{first.lower()}.{last.lower()}@example.com"},
             "items": [{"item_id": f"{oid}-1", "sku": sku, "name": name, "qty": 1, "price": price}],
             "shipping": {"method": "Standard", "carrier": carrier, "tracking_number": tracking,
                          "address": {"city": rng.choice(["Denver", "Austin", "Portland", "Boise", "Madison"]),
                                      "country": "US"}}}
    tracking_res = {"tracking_number": tracking, "carrier": carrier, "estimated_delivery": eta,
                    "status": "delayed" if delayed else "in_transit", "events": events}
    reason = (" The carrier has flagged a weather delay at their " + hubs[-1] + " facility, so it may slip a day or "
              "two, but it's still moving.") if delayed else ""
    final = (f"Hi {first}, thanks for your patience. Your order {oid} ({name}) shipped with {carrier} and is on its way: "
             f"the latest scan was \"{events[-1]['status']}\" in {events[-1]['location']}.{reason}\n\n"
             f"The current estimated delivery date is **{eta_read}**. You can follow it with tracking number "
             f"`{tracking}` on the {carrier} website. If it hasn't arrived by then, just reply here and I'll look into it "
             "with the carrier.")
    return user, [(call("get_order", order_id=oid), result(order)),
                  (call("track_shipment", tracking_number=tracking), result(tracking_res)),
                  (final, None)]


def shop_return(rng: random.Random) -> tuple[str, list[Step]]:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    email = f"{first.lower()}.{last.lower()}@example.com"
    sku, name, cat, price = rng.choice([p for p in PRODUCTS if p[2] in ("footwear", "clothing")])
    noun = SHORT_NAMES[sku]
    plural = noun.endswith(("boots", "shoes"))
    size = rng.choice(["42", "43", "9", "10"]) if cat == "footwear" else rng.choice(["S", "M", "L"])
    bigger = {"42": "43", "43": "44", "9": "9.5", "10": "10.5", "S": "M", "M": "L", "L": "XL"}[size]
    oid = f"NP-{rng.randint(40000, 59999)}"
    others = rng.sample([p for p in PRODUCTS if p[0] != sku], rng.randint(0, 2))
    d, _ = when(rng)
    orders = {"orders": [{"order_id": oid, "placed": d, "status": "delivered", "total": round(price + sum(o[3] for o in others), 2),
                          "items": [{"item_id": f"{oid}-1", "sku": sku, "name": name, "size": size, "price": price}]
                          + [{"item_id": f"{oid}-{i + 2}", "sku": o[0], "name": o[1], "price": o[3]} for i, o in enumerate(others)]},
                         {"order_id": f"NP-{rng.randint(30000, 39999)}", "placed": "2024-06-02", "status": "delivered",
                          "total": 79.0, "items": [{"item_id": "x-1", "sku": "CL-2115", "name": "Merino 200 long-sleeve base layer",
                                                    "price": 79.0}]}]}
    policy = {"category": cat, "return_window_days": 60, "condition": "unworn, with tags" if cat == "clothing" else
              "unworn, in original box", "exchanges": "free, subject to stock", "refund_time": "3-5 business days after we receive the item",
              "label": "prepaid, sent by e-mail"}
    user = rng.choice([(f"I'd like to return the {noun} from my last order, {'they are' if plural else 'it is'} too "
                        f"small. My email is {email}"),
                       (f"hi, the {noun} I bought {'are' if plural else 'is'} too small. can I swap for a bigger size? "
                        f"email {email}")])
    wants_exchange = "swap" in user
    confirm_q = (f"Thanks, {first}. I found your order {oid} from {d} with the **{name}** in size {size}. "
                 f"It's well within our 60-day return window; the item just needs to be {policy['condition']}.\n\n"
                 + (f"I can exchange it for size {bigger} at no cost. Shall I go ahead?" if wants_exchange else
                    f"Would you like a refund of ${price:.2f} to your original payment method, or an exchange for size {bigger}?"))
    ret = {"return_id": f"R-{rng.randint(100000, 999999)}", "status": "label_sent", "label_sent_to": email,
           "refund_amount": None if wants_exchange else price, "exchange_size": bigger if wants_exchange else None}
    steps = [(call("list_orders", email=email, limit=3), result(orders)),
             (call("get_return_policy", category=cat), result(policy)),
             (confirm_q, None)]
    # a later record continues after the customer confirms
    steps_confirmed = [(call("create_return", order_id=oid, item_ids=[f"{oid}-1"], reason="too_small",
                             **({"exchange_size": bigger} if wants_exchange else {})), result(ret)),
                       (f"Done! Return {ret['return_id']} is open and a prepaid label is on its way to {email}. "
                        + (f"As soon as the carrier scans the parcel we'll ship size {bigger}. " if wants_exchange else
                           f"Once we receive the {noun}, your refund of ${price:.2f} will reach you in 3-5 business days. ")
                        + f"Please pack {'them' if plural else 'it'} in the original packaging if you still have it.", None)]
    return user, steps + [("__USER__" + rng.choice(["yes please", "Yes, go ahead.", "ok do it" if wants_exchange else "Refund please."]), None)] + steps_confirmed


def shop_product_search(rng: random.Random) -> tuple[str, list[Step]]:
    kind = rng.choice(["waterproof jacket", "rain jacket", "daypack", "warm jacket for winter camping"])
    budget = rng.choice([120, 150, 200, 250])
    size = rng.choice(["S", "M", "L", "XL"])
    pool = [p for p in PRODUCTS if p[2] in ("clothing", "packs")]
    hits = rng.sample(pool, rng.randint(3, 6))
    results = []
    for sku, name, cat, price in hits:
        stock = {s: rng.choice([0, 0, 2, 5, 11, 24]) for s in ["S", "M", "L", "XL"]}
        results.append({"sku": sku, "name": name, "price": price, "rating": round(rng.uniform(3.8, 4.9), 1),
                        "reviews": rng.randint(12, 640), "in_stock": stock,
                        "highlights": rng.sample(["fully seam-taped", "pit zips", "packs into its own pocket",
                                                  "recycled face fabric", "helmet-compatible hood", "two chest pockets",
                                                  "PFC-free DWR", "hip belt pockets", "laptop sleeve", "lifetime warranty"], 3)})
    fits = [r for r in results if r["price"] <= budget and r["in_stock"].get(size, 0) > 0]
    user = rng.choice([f"Do you have a {kind} under ${budget} in size {size}?",
                       f"looking for a {kind}, budget about {budget} dollars, size {size}. what do you recommend"])
    if fits:
        lines = "\n".join(f"- **{r['name']}** (${r['price']:.0f}, {r['rating']}★ from {r['reviews']} reviews): "
                          f"{', '.join(r['highlights'][:2])}. {r['in_stock'][size]} left in {size}." for r in fits[:3])
        final = (f"Here's what we have in size {size} under ${budget}:\n\n{lines}\n\n"
                 + ("If you'll mostly use it in steady rain, I'd go for the first one. " if len(fits) > 1 else "")
                 + "Want me to check anything else, like fit or weight?")
    else:
        final = (f"I'm sorry, nothing matching a {kind} under ${budget} is in stock in size {size} right now. "
                 f"The closest option is the **{results[0]['name']}** at ${results[0]['price']:.0f}. Would you like me to "
                 "check other sizes, or a slightly higher budget?")
    return user, [(call("search_products", query=kind, max_price=budget, size=size, limit=6), result({"results": results})),
                  (final, None)]


def shop_escalate(rng: random.Random) -> tuple[str, list[Step]]:
    oid = f"NP-{rng.randint(40000, 59999)}"
    first, last = rng.choice(FIRST), rng.choice(LAST)
    sku, name, cat, _ = rng.choice([p for p in PRODUCTS if p[2] in ("tents", "packs", "electronics")])
    part = {"tents": "a pole snapped", "packs": "the hip belt buckle broke", "electronics": "it stopped charging"}[cat]
    user = rng.choice([(f"This is the second {name} I've received where {part} on the first trip. Order {oid}. "
                        "Honestly I'm really disappointed, I want to talk to someone."),
                       f"order {oid}: {part} AGAIN. this is the replacement for the first one that broke the same way. not happy"])
    d, _ = when(rng)
    order = {"order_id": oid, "status": "delivered", "placed": d, "customer": {"name": f"{first} {last}"},
             "items": [{"item_id": f"{oid}-1", "sku": sku, "name": name, "price": 0.0,
                        "note": f"free replacement for order NP-{rng.randint(30000, 39999)}"}],
             "previous_returns": [{"reason": "defective", "sku": sku, "resolution": "replacement"}]}
    summary = (f"{first} {last}, order {oid}: replacement {name} failed the same way as the original ({part}) on first use. "
               "Customer is upset and asked to speak to a person. Suggest refund or alternative model; possible batch defect.")
    esc = {"ticket": f"HS-{rng.randint(20000, 29999)}", "queue": "high", "expected_response": "within 2 hours"}
    final = (f"I'm really sorry, {first}. Having the replacement fail in exactly the same way is not okay, and I understand "
             f"why you're frustrated. I've passed this to our support team as a priority (ticket {esc['ticket']}) with the "
             "full history, so you won't need to explain it again. Someone will contact you within 2 hours to sort out a "
             "refund or a different model, whichever you prefer.")
    return user, [(call("get_order", order_id=oid), result(order)),
                  (call("escalate_to_human", summary=summary, priority="high"), result(esc)), (final, None)]


def data_top_products(rng: random.Random) -> tuple[str, list[Step]]:
    month = rng.choice([("September 2024", "2024-09-01", "2024-10-01"), ("August 2024", "2024-08-01", "2024-09-01"),
                        ("October 2024", "2024-10-01", "2024-11-01")])
    k = rng.choice([5, 5, 10])
    tables = {"tables": [{"name": "sales.orders", "description": "One row per order (status, customer, region, created_at)"},
                         {"name": "sales.order_items", "description": "Line items with quantity, unit_price, discount"},
                         {"name": "sales.products", "description": "Product catalogue: id, name, category, launch_date"},
                         {"name": "crm.customers", "description": "Customers with signup date, segment and region"},
                         {"name": "marketing.campaigns", "description": "Campaign spend and attribution by day"},
                         {"name": "finance.refunds", "description": "Refunds linked to orders"}]}
    desc_items = {"table": "sales.order_items", "columns": [
        {"name": "order_id", "type": "bigint"}, {"name": "product_id", "type": "int"}, {"name": "quantity", "type": "int"},
        {"name": "unit_price", "type": "numeric(10,2)"}, {"name": "discount", "type": "numeric(10,2)",
                                                          "comment": "total discount on the line, not per unit"}],
        "example_rows": [[900121, 4, 2, 24.5, 0.0], [900121, 11, 1, 8.0, 1.6], [900122, 2, 3, 16.0, 4.8]]}
    sql = ("SELECT p.name, SUM(oi.quantity * oi.unit_price - oi.discount) AS net_revenue, SUM(oi.quantity) AS units\n"
           "FROM sales.order_items oi\nJOIN sales.orders o ON o.id = oi.order_id\nJOIN sales.products p ON p.id = oi.product_id\n"
           f"WHERE o.status = 'completed' AND o.created_at >= '{month[1]}' AND o.created_at < '{month[2]}'\n"
           f"GROUP BY p.name\nORDER BY net_revenue DESC\nLIMIT {k};")
    names = rng.sample(DATA_PRODUCTS, k)
    revs = sorted((round(rng.uniform(8_000, 95_000), 2) for _ in names), reverse=True)
    rows = [{"name": n, "net_revenue": r, "units": int(r / rng.uniform(12, 60))} for n, r in zip(names, revs)]
    table = "\n".join(f"| {i + 1} | {r['name']} | ${r['net_revenue']:,.0f} | {r['units']:,} |" for i, r in enumerate(rows))
    final = (f"In {month[0]}, **{rows[0]['name']}** was the top product by net revenue (${rows[0]['net_revenue']:,.0f}), "
             f"followed by {rows[1]['name']} and {rows[2]['name']}.\n\n| # | Product | Net revenue | Units |\n|---|---|---|---|\n"
             f"{table}\n\nNet revenue is after line discounts and before tax, completed orders only. Refunds are not "
             "deducted; say if you want them netted off using `finance.refunds`.")
    user = rng.choice([f"What were our top {k} products by revenue in {month[0]}?",
                       f"top {k} products last month ({month[0]}) by revenue pls"])
    return user, [(call("list_tables"), result(tables)), (call("describe_table", table="sales.order_items"), result(desc_items)),
                  (call("run_sql", query=sql), result({"columns": ["name", "net_revenue", "units"], "rows": rows,
                                                       "row_count": len(rows), "elapsed_ms": rng.randint(180, 2400)})),
                  (final, None)]


def data_weekly_signups(rng: random.Random) -> tuple[str, list[Step]]:
    import datetime as dt

    segment = rng.choice([None, "business", "consumer"])
    sql = ("SELECT date_trunc('week', signup_at)::date AS week, COUNT(*) AS new_customers\nFROM crm.customers\n"
           "WHERE signup_at >= '2024-07-01' AND signup_at < '2024-10-01'"
           + (f" AND segment = '{segment}'" if segment else "") + "\nGROUP BY 1\nORDER BY 1;")
    start = dt.date(2024, 7, 1)
    base = rng.randint(120, 900)
    rows = [{"week": (start + dt.timedelta(weeks=i)).isoformat(),
             "new_customers": int(base * (1 + 0.02 * i) * rng.uniform(0.85, 1.15) * (1.6 if i == 9 else 1))}
            for i in range(13)]
    rows.append({"week": "2024-09-30", "new_customers": int(rows[-1]["new_customers"] / 7 * rng.uniform(0.8, 1.3))})
    peak = max(rows, key=lambda r: r["new_customers"])
    total = sum(r["new_customers"] for r in rows)
    table = "\n".join(f"| {r['week']} | {r['new_customers']:,} |" for r in rows)
    final = (f"Q3 2024 brought **{total:,}** new {segment + ' ' if segment else ''}customers, about {total // 13:,} a week. "
             f"The busiest week started {peak['week']} with {peak['new_customers']:,} sign-ups"
             + (", well above every other week; worth checking whether a campaign ran then." if peak["week"] == rows[9]["week"] else ".")
             + f"\n\n| Week starting | New customers |\n|---|---|\n{table}\n\nWeeks start on Monday (UTC). The last "
             "row covers a single day: 30 September is the only day of that week inside Q3.")
    user = rng.choice([f"How many new {segment + ' ' if segment else ''}customers signed up each week in Q3?",
                       f"weekly signups for Q3 2024{' (' + segment + ' only)' if segment else ''}?"])
    return user, [(call("run_sql", query=sql), result({"columns": ["week", "new_customers"], "rows": rows,
                                                       "row_count": len(rows), "elapsed_ms": rng.randint(90, 900)})),
                  (final, None)]


def data_chart(rng: random.Random) -> tuple[str, list[Step]]:
    year = rng.choice([2023, 2024])
    sql = ("SELECT o.region, SUM(oi.quantity * oi.unit_price - oi.discount) AS net_revenue\nFROM sales.orders o\n"
           "JOIN sales.order_items oi ON oi.order_id = o.id\n"
           f"WHERE o.status = 'completed' AND o.created_at >= '{year}-01-01' AND o.created_at < '{year + 1}-01-01'\n"
           "GROUP BY o.region\nORDER BY net_revenue DESC;")
    rows = sorted(({"region": r, "net_revenue": round(rng.uniform(150_000, 2_400_000), 2)} for r in REGIONS),
                  key=lambda r: -r["net_revenue"])
    link = f"https://charts.example.internal/c/{rng.getrandbits(32):08x}.png"
    share = rows[0]["net_revenue"] / sum(r["net_revenue"] for r in rows)
    final = (f"Here's the chart: {link}\n\n**{rows[0]['region']}** leads with ${rows[0]['net_revenue']:,.0f} "
             f"({share:.0%} of {year} net revenue), and {rows[-1]['region']} is smallest at ${rows[-1]['net_revenue']:,.0f}."
             + (" Note that 2024 only includes orders up to today." if year == 2024 else ""))
    user = rng.choice([f"Make me a bar chart of revenue by region for {year}", f"can you chart {year} revenue per region?"])
    return user, [(call("run_sql", query=sql), result({"columns": ["region", "net_revenue"], "rows": rows,
                                                       "row_count": len(rows), "elapsed_ms": rng.randint(300, 3000)})),
                  (call("create_chart", kind="bar", title=f"Net revenue by region, {year}", x="region", y="net_revenue",
                        data=rows), result({"url": link, "width": 1200, "height": 700})),
                  (final, None)]


DURATIONS_PY = '''"""Parse and format durations like "1h30m", "45m" or "2h"."""

from __future__ import annotations

import re

_PART = re.compile(r"(\\d+)([hms])")
_UNIT_SECONDS = {"h": 3600, "m": 60, "s": 1}


def parse_duration(text: str) -> int:
    """Seconds in a duration string such as "1h30m"."""
    text = text.strip().lower()
    if not text:
        raise ValueError("empty duration")
    total = 0
    for value, unit in _PART.findall(text):
        total += int(value) * _UNIT_SECONDS[unit]
    return total


def format_duration(seconds: int) -> str:
    """The inverse of parse_duration, without zero parts: 5400 -> "1h30m"."""
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{hours}h" if hours else "", f"{minutes}m" if minutes else "", f"{secs}s" if secs else ""]
    return "".join(parts) or "0s"
'''

CLI_PY = '''"""Command-line entry point for tallyho."""

from __future__ import annotations

import argparse
import sys

from tallyho import store
from tallyho.durations import format_duration, parse_duration


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tallyho", description="Track time spent on projects.")
    sub = parser.add_subparsers(dest="command", required=True)
    log = sub.add_parser("log", help="log time against a project")
    log.add_argument("project")
    log.add_argument("duration", help='e.g. "1h30m"')
    log.add_argument("-n", "--note", default="")
    report = sub.add_parser("report", help="show totals per project")
    report.add_argument("--since", help="only entries on or after this date (YYYY-MM-DD)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "log":
        seconds = parse_duration(args.duration)
        store.add_entry(args.project, seconds, args.note)
        print(f"logged {format_duration(seconds)} on {args.project}")
    elif args.command == "report":
        for project, seconds in store.totals(since=args.since).items():
            print(f"{project:<20} {format_duration(seconds):>8}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
'''


def code_fix_test(rng: random.Random) -> tuple[str, list[Step]]:
    user = rng.choice(["test_parse_duration is failing on main, can you fix it?",
                       "CI is red: something in tests/test_durations.py. Please take a look and fix it."])
    n_pass = rng.randint(38, 61)
    fail_out = (f"============================= test session starts ==============================\ncollected {n_pass + 1} items\n\n"
                "tests/test_cli.py ........                                               [ 14%]\n"
                "tests/test_durations.py ....F...                                        [ 28%]\n"
                f"tests/test_store.py {'.' * (n_pass - 15)}                              [100%]\n\n"
                "=================================== FAILURES ===================================\n"
                "_________________________ test_bare_number_is_minutes __________________________\n\n"
                "    def test_bare_number_is_minutes():\n        # a bare number means minutes, as documented in the README\n"
                '>       assert parse_duration("90") == 5400\nE       AssertionError: assert 0 == 5400\n'
                'E        +  where 0 = parse_duration("90")\n\ntests/test_durations.py:31: AssertionError\n'
                "=========================== short test summary info ============================\n"
                f"FAILED tests/test_durations.py::test_bare_number_is_minutes - AssertionError: assert 0 == 5400\n"
                f"========================= 1 failed, {n_pass} passed in {rng.uniform(0.6, 2.9):.2f}s =========================")
    diff = ('--- a/src/tallyho/durations.py\n+++ b/src/tallyho/durations.py\n@@ -14,6 +14,8 @@ def parse_duration(text: str) -> int:\n'
            '     text = text.strip().lower()\n     if not text:\n         raise ValueError("empty duration")\n'
            '+    if text.isdigit():  # a bare number means minutes (README, "Logging time")\n'
            '+        return int(text) * 60\n     total = 0\n     for value, unit in _PART.findall(text):\n'
            '         total += int(value) * _UNIT_SECONDS[unit]\n')
    passed = f"collected {n_pass + 1} items\n\n{n_pass + 1} passed in {rng.uniform(0.6, 2.9):.2f}s"
    final = ("Fixed. `parse_duration(\"90\")` returned 0 because the regex only matches numbers followed by a unit, so a "
             "bare number matched nothing. The README says a bare number means minutes, so I added that case to "
             "`parse_duration` in `src/tallyho/durations.py`: if the whole string is digits it returns `int(text) * 60`. "
             f"All {n_pass + 1} tests pass now.\n\nOne thing I noticed but didn't change: input with no recognisable parts "
             "at all (e.g. `\"abc\"`) still returns 0 instead of raising `ValueError`. Want me to make that an error too?")
    return user, [(call("run_tests", target="tests/test_durations.py"), result({"exit_code": 1, "output": fail_out})),
                  (call("read_file", path="src/tallyho/durations.py"), result({"path": "src/tallyho/durations.py",
                                                                               "content": DURATIONS_PY})),
                  (call("apply_patch", diff=diff), result({"applied": True, "files_changed": 1})),
                  (call("run_tests", target=""), result({"exit_code": 0, "output": passed})),
                  (final, None)]


def code_add_flag(rng: random.Random) -> tuple[str, list[Step]]:
    flag = rng.choice(["--json", "--verbose"])
    user = (f"Add a {flag} flag to the report command" + (" that prints the totals as JSON" if flag == "--json"
                                                          else " that also shows each entry, not just totals") + ".")
    hits = {"matches": [{"path": "src/tallyho/cli.py", "line": 17, "text": '    report = sub.add_parser("report", help="show totals per project")'},
                        {"path": "src/tallyho/cli.py", "line": 18, "text": '    report.add_argument("--since", help="only entries on or after this date (YYYY-MM-DD)")'},
                        {"path": "tests/test_cli.py", "line": 40, "text": 'def test_report_prints_totals(tmp_store, capsys):'}]}
    if flag == "--json":
        diff = ('--- a/src/tallyho/cli.py\n+++ b/src/tallyho/cli.py\n@@ -3,5 +3,6 @@\n from __future__ import annotations\n\n'
                ' import argparse\n+import json\n import sys\n@@ -18,2 +19,3 @@\n     report.add_argument("--since", help="only entries on or after this date (YYYY-MM-DD)")\n'
                '+    report.add_argument("--json", action="store_true", help="print totals as JSON (seconds per project)")\n'
                '     return parser\n@@ -30,3 +32,7 @@\n     elif args.command == "report":\n-        for project, seconds in store.totals(since=args.since).items():\n'
                '+        totals = store.totals(since=args.since)\n+        if args.json:\n+            print(json.dumps(totals, indent=2, sort_keys=True))\n+            return 0\n'
                '+        for project, seconds in totals.items():\n             print(f"{project:<20} {format_duration(seconds):>8}")\n')
        final = ("Added `--json` to `tallyho report`. With it, the command prints the totals as a JSON object mapping each "
                 "project to its total in **seconds** (sorted by project name), e.g. `{\"client-a\": 5400}`. I used raw seconds "
                 "rather than formatted strings so scripts can add them up; say if you'd prefer the `1h30m` form. Without the "
                 "flag the output is unchanged, and the existing tests pass. I added a test, `test_report_json`, that checks "
                 "the output parses as JSON and respects `--since`.")
    else:
        diff = ('--- a/src/tallyho/cli.py\n+++ b/src/tallyho/cli.py\n@@ -18,2 +18,3 @@\n     report.add_argument("--since", help="only entries on or after this date (YYYY-MM-DD)")\n'
                '+    report.add_argument("-v", "--verbose", action="store_true", help="list each entry under its project")\n'
                '     return parser\n@@ -30,3 +31,6 @@\n     elif args.command == "report":\n         for project, seconds in store.totals(since=args.since).items():\n'
                '             print(f"{project:<20} {format_duration(seconds):>8}")\n+            if args.verbose:\n'
                '+                for entry in store.entries(project, since=args.since):\n'
                '+                    print(f"  {entry.date}  {format_duration(entry.seconds):>8}  {entry.note}")\n')
        final = ("Added `-v/--verbose` to `tallyho report`: under each project total it now lists the individual entries "
                 "(date, duration and note), respecting `--since`. It uses the existing `store.entries()` helper, so no "
                 "storage changes were needed. Without the flag the output is exactly as before. Tests pass, and I added "
                 "`test_report_verbose_lists_entries`.")
    n = rng.randint(40, 62)
    return user, [(call("search_code", pattern="add_parser\\(\"report\"|def test_report", path="."), result(hits)),
                  (call("read_file", path="src/tallyho/cli.py"), result({"path": "src/tallyho/cli.py", "content": CLI_PY})),
                  (call("apply_patch", diff=diff), result({"applied": True, "files_changed": 1})),
                  (call("run_tests", target="tests/test_cli.py"), result({"exit_code": 0, "output": f"{n} passed in 1.{rng.randint(10, 99)}s"})),
                  (final, None)]


def pa_schedule_lunch(rng: random.Random, ctx: dict) -> tuple[str, list[Step]]:
    who = rng.choice(FIRST)
    day_iso, day_read = when(rng, 2)
    t = rng.choice(["12:00", "12:30", "13:00"])
    busy = rng.random() < 0.4
    events = [{"title": rng.choice(["Team standup", "1:1 with manager", "Design review", "Dentist", "Quarterly planning"]),
               "start": f"{day_iso}T{h:02d}:00:00", "end": f"{day_iso}T{h + 1:02d}:00:00"} for h in sorted(rng.sample([9, 10, 14, 15, 16], 2))]
    if busy:
        events.append({"title": "Vendor call", "start": f"{day_iso}T{t}:00", "end": f"{day_iso}T{int(t[:2]) + 1}:{t[3:]}:00"})
    email = f"{who.lower()}@example.com"
    user = rng.choice([f"Set up lunch with {who} on {day_read} at {t} and send an invite",
                       f"can you book lunch w/ {who} ({email}) {day_read}, {t}? send the invite too"])
    steps: list[Step] = [(call("list_events", start=f"{day_iso}T00:00:00", end=f"{day_iso}T23:59:59"), result({"events": events}))]
    if busy:
        alt = "13:30" if t != "13:00" else "12:00"
        steps.append((f"You have a vendor call at {t} on {day_read}. Would {alt} work instead, or should I book {t} anyway?", None))
        steps.append(("__USER__" + rng.choice([f"{alt} is fine", f"ok {alt}"]), None))
        t = alt
    end = f"{int(t[:2]) + 1}:{t[3:]}"
    ev = {"event_id": f"evt_{rng.getrandbits(36):09x}", "status": "created", "invites_sent": [email]}
    steps.append((call("create_event", title=f"Lunch with {who}", start=f"{day_iso}T{t}:00", end=f"{day_iso}T{end}:00",
                       location="", attendees=[email]), result(ev)))
    steps.append(((f"Booked: lunch with {who} on {day_read}, {t}-{end}, and the invite has gone to {email}. "
                   "Want me to suggest a place nearby?"), None))
    return user, steps


def pa_weather(rng: random.Random, ctx: dict) -> tuple[str, list[Step]]:
    import datetime as dt

    tomorrow = rng.random() < 0.5
    day = dt.date(2024, 10, 1) + dt.timedelta(days=0 if tomorrow else rng.randint(1, 5))  # today is 30 September
    day_iso, day_read = day.isoformat(), day.strftime("%A %-d %B")
    city = ctx["city"]
    rain = rng.choice([5, 10, 20, 60, 80])
    events = [{"title": "Client workshop", "start": f"{day_iso}T10:00:00", "end": f"{day_iso}T12:30:00",
               "location": rng.choice(["Client HQ, 4th floor", "Riverside offices", "Co-working space, Hall B"])}]
    fc = {"city": city, "date": day_iso, "summary": "rain showers" if rain >= 60 else "partly cloudy",
          "high_c": rng.randint(8, 19), "low_c": rng.randint(1, 8), "precipitation_chance": rain / 100,
          "wind_kph": rng.randint(5, 35), "hourly": [{"hour": h, "temp_c": rng.randint(4, 18), "precip": round(rng.random() * rain / 100, 2)}
                                                    for h in range(7, 20)]}
    advice = ("Yes, take an umbrella: showers are likely, especially around your morning workshop."
              if rain >= 60 else "You probably won't need an umbrella; the chance of rain is low.")
    user = ("do i need an umbrella for my meeting tomorrow?" if tomorrow else
            f"What's the weather going to be like on {day_read}? Do I need an umbrella for my meeting?")
    return user, [(call("list_events", start=f"{day_iso}T00:00:00", end=f"{day_iso}T23:59:59"), result({"events": events})),
                  (call("get_weather", city=city, date=day_iso), result(fc)),
                  ((f"{advice} Forecast for {city} on {day_read}: {fc['summary']}, {fc['low_c']}-{fc['high_c']} °C, "
                    f"{rain}% chance of rain. Your workshop is at {events[0]['location']} from 10:00 to 12:30."), None)]


def pa_summarise_email(rng: random.Random, ctx: dict) -> tuple[str, list[Step]]:
    landlord = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
    old, new = rng.choice([(1450, 1525), (1800, 1890), (2100, 2240), (1200, 1260)])
    _, eff_read = when(rng, 30)
    mid = f"msg_{rng.getrandbits(40):010x}"
    hits = {"messages": [{"id": mid, "from": f"{landlord} <{landlord.split()[0].lower()}@lettings.example>",
                          "subject": "Rent review and renewal of your tenancy", "date": "2024-10-03"},
                         {"id": f"msg_{rng.getrandbits(40):010x}", "from": "Building management <no-reply@building.example>",
                          "subject": "Boiler servicing next week", "date": "2024-09-27"}]}
    body = (f"Dear {ctx['user'].split()[0]},\n\nI hope you're keeping well. Your current tenancy ends soon and we would be happy "
            f"to renew it for a further twelve months on the same terms, with one change. Following our annual review of "
            f"rents in the building, the monthly rent will increase from ${old:,} to ${new:,}, effective {eff_read}. This "
            f"is in line with the increases across the other flats and below the local average for comparable properties.\n\n"
            "As part of the renewal we will also replace the kitchen extractor fan, which you reported in the summer, and "
            "repaint the hallway. If you'd like to renew, please sign the attached agreement by the end of the month. If you "
            "have any questions or would prefer a shorter term, let me know and we can discuss it.\n\nKind regards,\n"
            f"{landlord}\nLettings Manager")
    user = rng.choice(["Find the email from my landlord about the rent increase and summarise it",
                       "what did my landlord say about the rent? there was an email recently"])
    pct = (new - old) / old
    return user, [(call("search_email", query="rent increase OR rent review", limit=5), result(hits)),
                  (call("read_email", message_id=mid), result({"id": mid, "body": body, "attachments": ["Tenancy_renewal_2025.pdf"]})),
                  ((f"{landlord} (the lettings manager) wrote on 3 October:\n\n- **Rent goes up from ${old:,} to "
                    f"${new:,} a month** (+{pct:.1%}), from {eff_read}.\n- They're offering a 12-month renewal on otherwise "
                    "the same terms.\n- They'll replace the kitchen extractor fan you reported and repaint the hallway.\n"
                    "- To renew, sign the attached agreement by the end of the month; a shorter term is open to "
                    "discussion.\n\nWant me to draft a reply, for example asking about a shorter term or negotiating the "
                    "increase?"), None)]


AGENTS = [
    {"name": "shop", "system": lambda rng: SHOP_SYSTEM, "tools": SHOP_TOOLS, "weight": 35,
         "tasks": [shop_where_is_order, shop_return, shop_product_search, shop_escalate]},
    {"name": "data", "system": lambda rng: DATA_SYSTEM, "tools": DATA_TOOLS, "weight": 25,
         "tasks": [data_top_products, data_weekly_signups, data_chart]},
    {"name": "code", "system": lambda rng: CODE_SYSTEM, "tools": CODE_TOOLS, "weight": 20, "tasks": [code_fix_test, code_add_flag]},
    {"name": "assistant", "system": None, "tools": PA_TOOLS, "weight": 20,
         "tasks": [pa_schedule_lunch, pa_weather, pa_summarise_email]},
]


# ============================================================== assembly


def transcript(user: str, steps: list[Step]) -> list[tuple[str, str]]:
    """Flatten a task into (role, content) turns: user, then assistant and tool turns in order."""
    turns = [("user", user)]
    for message, tool_result in steps:
        if message.startswith("__USER__"):
            turns.append(("user", message[len("__USER__"):]))
            continue
        turns.append(("assistant", message))
        if tool_result is not None:
            turns.append(("tool", tool_result))
    return turns


def record(rng: random.Random) -> dict:
    agent = rng.choices(AGENTS, weights=[a["weight"] for a in AGENTS])[0]
    ctx: dict = {}
    if agent["name"] == "assistant":
        city, tz = rng.choice(CITIES)
        ctx = {"user": f"{rng.choice(FIRST)} {rng.choice(LAST)}", "city": city, "tz": tz, "today": "Monday 30 September 2024"}
        system = PA_SYSTEM.format(**ctx)
        def task(t: Callable) -> tuple[str, list[Step]]:
            return t(rng, ctx)
    else:
        system = agent["system"](rng)
        def task(t: Callable) -> tuple[str, list[Step]]:
            return t(rng)

    history: list[tuple[str, str]] = []
    if rng.random() < 0.2:  # the session already finished an earlier task
        history = transcript(*task(rng.choice(agent["tasks"])))
    turns = transcript(*task(rng.choice(agent["tasks"])))
    # cut the current task at a random assistant turn: everything before it is the prompt
    points = [i for i, (role, _) in enumerate(turns) if role == "assistant"]
    cut = rng.choice(points)
    messages = [{"role": "system", "content": render_system(system, agent["tools"])}]
    messages += [{"role": r, "content": c} for r, c in history + turns[:cut]]
    return {"messages": messages, "output": turns[cut][1]}


def generate(n: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    records, seen = [], set()
    while len(records) < n:
        rec = record(rng)
        key = json.dumps(rec, sort_keys=True)
        if key not in seen:
            seen.add(key)
            records.append(rec)
    return records


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=N_RECORDS, help=f"records to write (default {N_RECORDS})")
    parser.add_argument("--seed", type=int, default=SEED, help=f"random seed (default {SEED})")
    parser.add_argument("-o", "--output", type=Path, default=Path(__file__).with_name("prompts.jsonl"))
    args = parser.parse_args()
    records = generate(args.n, args.seed)
    with args.output.open("w", encoding="utf-8", newline="\n") as f:
        for rec in records:
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")
    print(f"wrote {len(records)} records to {args.output}")


if __name__ == "__main__":
    main()
