"""A shop's day through the Python client openapi-python-client generates
from the live OpenAPI document, and nothing else: what a client developer
gets. Run by scripts/client-check.sh, which generates the client first.

    python shop_flow.py BASE_URL ADMIN_USERNAME ADMIN_PASSWORD
"""

import sys
import uuid

from zonmart_client import AuthenticatedClient, Client
from zonmart_client.api.auth import register, token
from zonmart_client.api.cart import get_cart, set_cart_item
from zonmart_client.api.orders import get_order, place_order, update_order
from zonmart_client.api.products import create_product, get_product, update_product
from zonmart_client.models import (
    CreateProductRequest,
    OrderBody,
    OrderItemRequest,
    PlaceOrderRequest,
    ProblemDetails,
    RegisterRequest,
    SetCartItemRequest,
    StatusParam,
    TokenForm,
    UpdateOrderRequest,
    UpdateProductRequest,
)

step = 0


def say(what):
    global step
    step += 1
    print(f"[client-flow {step:2d}] {what}", flush=True)


def expect(response, status):
    if response.status_code != status:
        raise SystemExit(f"FAIL: expected {status}, got {response.status_code}: {response.content!r}")
    return response.parsed


def log_in(base, username, password):
    # The OAuth2 password form, as Swagger UI's Authorize sends it.
    body = TokenForm(username=username, password=password, grant_type="password")
    tokens = expect(token.sync_detailed(client=Client(base_url=base), body=body), 200)
    return AuthenticatedClient(base_url=base, token=tokens.access_token)


def main(base, admin_username, admin_password):
    say("admin logs in through the OAuth2 form")
    admin = log_in(base, admin_username, admin_password)

    say("admin adds a product")
    new = CreateProductRequest(name="Client teapot", price_cents=2500, stock=4, sku=f"CLI-{uuid.uuid4().hex[:8]}")
    teapot = expect(create_product.sync_detailed(client=admin, body=new), 201)
    assert teapot.version == 1 and teapot.stock == 4, teapot

    say("a customer registers and logs in")
    name = f"client-{uuid.uuid4().hex[:8]}"
    registered = RegisterRequest(username=name, password="client flow password", email=f"{name}@example.com")
    user = expect(register.sync_detailed(client=Client(base_url=base), body=registered), 201)
    assert user.role.value == "customer", user
    customer = log_in(base, name, "client flow password")

    say("the customer puts two teapots in the cart")
    cart = expect(get_cart.sync_detailed(client=customer), 200)
    cart = expect(
        set_cart_item.sync_detailed(
            teapot.id, client=customer, body=SetCartItemRequest(quantity=2), if_match=f'"{cart.version}"'
        ),
        200,
    )
    assert cart.total_cents == 5000, cart

    say("the customer orders one teapot with an Idempotency-Key, and the retry replays it")
    key = f"client-flow-{uuid.uuid4()}"
    order_body = PlaceOrderRequest(items=[OrderItemRequest(product_id=teapot.id, quantity=1)])
    first = place_order.sync_detailed(client=customer, body=order_body, idempotency_key=key)
    order = expect(first, 201)
    retry = place_order.sync_detailed(client=customer, body=order_body, idempotency_key=key)
    replayed = expect(retry, 201)
    assert isinstance(order, OrderBody) and replayed.id == order.id, (order, replayed)
    assert expect(get_product.sync_detailed(teapot.id, client=admin), 200).stock == 3, "one teapot taken, once"

    say("a stale If-Match is refused with 412 and changes nothing")
    stale = update_order.sync_detailed(
        order.id, client=customer, body=UpdateOrderRequest(status=StatusParam.CANCELLED), if_match='"7"'
    )
    problem = expect(stale, 412)
    assert isinstance(problem, ProblemDetails) and problem.code == "version_conflict", problem
    assert expect(get_order.sync_detailed(order.id, client=customer), 200).status.value == "pending"

    say("the customer cancels with If-Match, and the stock comes back")
    cancelled = expect(
        update_order.sync_detailed(
            order.id, client=customer, body=UpdateOrderRequest(status=StatusParam.CANCELLED), if_match=f'"{order.version}"'
        ),
        200,
    )
    assert cancelled.status.value == "cancelled" and cancelled.version == order.version + 1, cancelled
    assert expect(get_product.sync_detailed(teapot.id, client=admin), 200).stock == 4

    say("a stale product write by the admin is refused with 412")
    stale = update_product.sync_detailed(teapot.id, client=admin, body=UpdateProductRequest(stock=1), if_match='"99"')
    assert expect(stale, 412).code == "version_conflict"
    print("client-flow: ok", flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:4])
