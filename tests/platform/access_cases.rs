//! The role table as data: each operation, the subgraph that owns it, the staff scope it
//! needs, and what each of the five identities gets. `docs/auth.md` shows the same table.

use crate::support::{data, Platform};
use serde_json::{json, Value};
use subgraph_kit::ids;
use uuid::Uuid;

/// The identities of every row, in column order.
pub const WHO: [&str; 5] = [
    "anonymous",
    "wrong customer",
    "right customer",
    "staff without scope",
    "staff with scope",
];

/// What an identity should get.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// Let through (data, or a domain error such as CONFLICT).
    Allowed,
    /// Let through, and the list is empty: none of it is theirs.
    Empty,
    /// UNAUTHENTICATED (anonymous) or FORBIDDEN (everyone else).
    Denied,
}

use Expect::{Allowed as A, Denied as D, Empty as E};

/// One row of the table.
pub struct Case {
    pub op: &'static str,
    /// The subgraph that owns the field (the bypass target).
    pub service: &'static str,
    pub query: String,
    pub vars: Box<dyn Fn(&Fixture) -> Value>,
    /// The staff scope that grants it ("" = none needed).
    pub scope: &'static str,
    /// Also asked through the gateway (`_entities` exists only on subgraphs).
    pub gateway: bool,
    /// JSON pointer of the list an owner filter may leave empty.
    pub list: Option<&'static str>,
    pub expect: [Expect; 5],
}

/// The records every row refers to: a demo customer's fulfilled, paid and returned order, and
/// fresh ones of theirs to move along.
pub struct Fixture {
    pub customer: Uuid,
    pub other_customer: Uuid,
    pub customer_email: String,
    pub order: Uuid,
    pub payment: Uuid,
    pub shipment: Uuid,
    pub return_id: Uuid,
    /// Placed, to cancel (the lifecycle may have moved it on: then a CONFLICT).
    pub open_order: Uuid,
    /// Placed and carried to FULFILLED by the lifecycle, with its CAPTURED payment, DELIVERED
    /// shipment, and a REQUESTED return.
    pub busy_order: Uuid,
    pub new_payment: Uuid,
    pub new_shipment: Uuid,
    pub new_return: Uuid,
}

const PLACE: &str = "mutation($c: ID!, $sku: ID!, $key: String!) {
  placeOrder(input: { customerId: $c, currency: \"USD\", lines: [{ sku: $sku, quantity: 1 }] },
             idempotencyKey: $key) { id } }";
const AUTHORIZE: &str = "mutation($o: ID!, $key: String!) {
  authorizePayment(input: { orderId: $o, amount: \"100\", currency: \"USD\", method: CARD },
                   idempotencyKey: $key) { id } }";
const SHIP: &str = "mutation($o: ID!, $c: ID, $sku: ID!, $key: String!) {
  createShipment(input: { orderId: $o, customerId: $c, carrier: \"DHL\",
                          lines: [{ sku: $sku, quantity: 1 }] }, idempotencyKey: $key) { id } }";
const REQUEST_RETURN: &str = "mutation($o: ID!, $sku: ID!, $key: String!) {
  requestReturn(input: { orderId: $o, reason: \"too small\", lines: [{ sku: $sku, quantity: 1 }] },
                idempotencyKey: $key) { id } }";

fn key() -> String {
    Uuid::new_v4().to_string()
}

fn id_of(platform: &Platform, token: Option<&str>, query: &str, vars: Value, field: &str) -> Uuid {
    let (_, body) = platform.gql_as("gateway", token, query, vars);
    let id = data(&body)[field]["id"].as_str().map(Uuid::parse_str);
    match id {
        Some(Ok(id)) => id,
        _ => panic!("no {field} id: {body}"),
    }
}

/// The first id of a list of objects.
fn first_id(list: &Value) -> Uuid {
    list[0]["id"]
        .as_str()
        .and_then(|id| Uuid::parse_str(id).ok())
        .unwrap_or_else(|| panic!("no id in {list}"))
}

/// Wait (bounded) for the lifecycle to carry `order` to FULFILLED; its payments and shipments.
fn fulfilled(platform: &Platform, token: Option<&str>, order: Uuid) -> Value {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    loop {
        let (_, body) = platform.gql_as(
            "gateway",
            token,
            "query($id: ID!) { order(id: $id) { status payments { id } shipments { id } } }",
            json!({ "id": order }),
        );
        if body["data"]["order"]["status"] == "FULFILLED" {
            return body["data"]["order"].clone();
        }
        assert!(
            std::time::Instant::now() < deadline,
            "order {order} never fulfilled: {body}"
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
}

impl Fixture {
    pub fn prepare(platform: &Platform) -> Fixture {
        let admin = platform.token(&["--staff", "all"]);
        let admin = Some(admin.as_str());
        let o = (0..ids::ORDERS)
            .find(|i| ids::order_has_return(*i))
            .expect("the demo data has a returned order");
        let index = ids::order_customer(o);
        let customer = ids::customer_id(index);
        let other_customer = ids::customer_id((index + 1) % ids::CUSTOMERS);
        let me = platform.token(&["--customer", &customer.to_string()]);
        let me = Some(me.as_str());
        let sku = ids::product_sku(0);
        let place = |token| {
            let vars = json!({ "c": customer, "sku": sku, "key": key() });
            id_of(platform, token, PLACE, vars, "placeOrder")
        };
        let open_order = place(me);
        let busy_order = place(me);
        let fulfilled = fulfilled(platform, admin, busy_order);
        let new_payment = first_id(&fulfilled["payments"]);
        let new_shipment = first_id(&fulfilled["shipments"]);
        let vars = json!({ "o": busy_order, "sku": sku, "key": key() });
        let new_return = id_of(platform, me, REQUEST_RETURN, vars, "requestReturn");
        let (_, body) = platform.gql(
            "customers",
            "query($id: ID!) { customer(id: $id) { email } }",
            json!({ "id": customer }),
        );
        Fixture {
            customer,
            other_customer,
            customer_email: data(&body)["customer"]["email"]
                .as_str()
                .expect("email")
                .to_string(),
            order: ids::order_id(o),
            payment: ids::payment_id(o),
            shipment: ids::shipment_id(o),
            return_id: ids::return_id(o),
            open_order,
            busy_order,
            new_payment,
            new_shipment,
            new_return,
        }
    }
}

fn case(
    op: &'static str,
    service: &'static str,
    scope: &'static str,
    query: &str,
    vars: impl Fn(&Fixture) -> Value + 'static,
    expect: [Expect; 5],
) -> Case {
    Case {
        op,
        service,
        query: query.to_string(),
        vars: Box::new(vars),
        scope,
        gateway: true,
        list: None,
        expect,
    }
}

/// An `_entities` row, asked only straight at `service`.
fn entities(
    op: &'static str,
    service: &'static str,
    scope: &'static str,
    selection: &str,
    rep: impl Fn(&Fixture) -> Value + 'static,
    list: Option<&'static str>,
    expect: [Expect; 5],
) -> Case {
    let query =
        format!("query($r: [_Any!]!) {{ _entities(representations: $r) {{ {selection} }} }}");
    Case {
        gateway: false,
        list,
        ..case(
            op,
            service,
            scope,
            &query,
            move |f| json!({ "r": [rep(f)] }),
            expect,
        )
    }
}

/// Every row of the table.
pub fn cases() -> Vec<Case> {
    let staff_only = [D, D, D, D, A];
    let owner_or_staff = [D, D, A, D, A];
    let filtered = [D, E, A, D, A];
    vec![
        // Reads.
        case("products", "orders", "", "{ products(first: 2) { nodes { sku name } } }",
            |_| json!({}), [A, A, A, A, A]),
        case("customer", "customers", "customers:read",
            "query($id: ID!) { customer(id: $id) { email } }",
            |f| json!({ "id": f.customer }), owner_or_staff),
        case("customers", "customers", "customers:read",
            "{ customers(first: 2) { nodes { email } } }", |_| json!({}), staff_only),
        case("order", "orders", "orders:manage", "query($id: ID!) { order(id: $id) { status } }",
            |f| json!({ "id": f.order }), owner_or_staff),
        case("payment", "payments", "payments:manage",
            "query($id: ID!) { payment(id: $id) { status } }",
            |f| json!({ "id": f.payment }), owner_or_staff),
        case("shipment", "fulfillment", "fulfillment:manage",
            "query($id: ID!) { shipment(id: $id) { status } }",
            |f| json!({ "id": f.shipment }), owner_or_staff),
        case("return", "returns", "returns:manage",
            "query($id: ID!) { return(id: $id) { status } }",
            |f| json!({ "id": f.return_id }), owner_or_staff),
        // Entities, asked for straight at the subgraph that resolves them.
        entities("_entities Customer", "customers", "customers:read",
            "... on Customer { email }",
            |f| json!({ "__typename": "Customer", "id": f.customer }), None, owner_or_staff),
        entities("_entities Customer.orders", "orders", "orders:manage",
            "... on Customer { orders(first: 1) { nodes { id } } }",
            |f| json!({ "__typename": "Customer", "id": f.customer }), None, owner_or_staff),
        entities("_entities Order", "orders", "orders:manage", "... on Order { status }",
            |f| json!({ "__typename": "Order", "id": f.order }), None, owner_or_staff),
        entities("_entities Order.payments", "payments", "payments:manage",
            "... on Order { payments { id } }",
            |f| json!({ "__typename": "Order", "id": f.order }),
            Some("/data/_entities/0/payments"), filtered),
        entities("_entities Order.shipments", "fulfillment", "fulfillment:manage",
            "... on Order { shipments { id } }",
            |f| json!({ "__typename": "Order", "id": f.order }),
            Some("/data/_entities/0/shipments"), filtered),
        entities("_entities Order.returns", "returns", "returns:manage",
            "... on Order { returns { id } }",
            |f| json!({ "__typename": "Order", "id": f.order }),
            Some("/data/_entities/0/returns"), filtered),
        entities("_entities Payment", "payments", "payments:manage", "... on Payment { status }",
            |f| json!({ "__typename": "Payment", "id": f.payment }), None, owner_or_staff),
        entities("_entities Shipment", "fulfillment", "fulfillment:manage",
            "... on Shipment { status }",
            |f| json!({ "__typename": "Shipment", "id": f.shipment }), None, owner_or_staff),
        entities("_entities Return", "returns", "returns:manage", "... on Return { status }",
            |f| json!({ "__typename": "Return", "id": f.return_id }), None, owner_or_staff),
        // Writes.
        case("updateCustomer", "customers", "customers:manage",
            "mutation($id: ID!) { updateCustomer(id: $id, input: { name: \"Renamed\" }) { id } }",
            |f| json!({ "id": f.customer }), owner_or_staff),
        case("createCustomer", "customers", "customers:manage",
            "mutation($e: String!, $key: String!) {
               createCustomer(input: { email: $e, name: \"New\" }, idempotencyKey: $key) { id } }",
            |_| json!({ "e": format!("{}@example.com", Uuid::new_v4()), "key": key() }),
            staff_only),
        case("placeOrder", "orders", "orders:manage", PLACE,
            |f| json!({ "c": f.customer, "sku": ids::product_sku(1), "key": key() }),
            owner_or_staff),
        case("cancelOrder", "orders", "orders:manage",
            "mutation($id: ID!) { cancelOrder(id: $id) { id } }",
            |f| json!({ "id": f.open_order }), owner_or_staff),
        // Payments knows each order's customer: another customer's order is FORBIDDEN (the
        // owner and staff get CONFLICT: the order was paid by the lifecycle).
        case("authorizePayment", "payments", "payments:manage", AUTHORIZE,
            |f| json!({ "o": f.busy_order, "key": key() }), owner_or_staff),
        case("capturePayment", "payments", "payments:manage",
            "mutation($id: ID!, $key: String!) { capturePayment(id: $id, idempotencyKey: $key) { id } }",
            |f| json!({ "id": f.new_payment, "key": key() }), staff_only),
        case("refundPayment", "payments", "payments:refund",
            "mutation($id: ID!, $key: String!) {
               refundPayment(id: $id, amount: \"1\", idempotencyKey: $key) { id } }",
            |f| json!({ "id": f.payment, "key": key() }), staff_only),
        case("createShipment", "fulfillment", "fulfillment:manage", SHIP,
            |f| json!({ "o": f.busy_order, "c": f.customer, "sku": ids::product_sku(2), "key": key() }),
            staff_only),
        case("markShipped", "fulfillment", "fulfillment:manage",
            "mutation($id: ID!) { markShipped(id: $id, trackingNumber: \"1Z1\") { id } }",
            |f| json!({ "id": f.new_shipment }), staff_only),
        case("markDelivered", "fulfillment", "fulfillment:manage",
            "mutation($id: ID!) { markDelivered(id: $id) { id } }",
            |f| json!({ "id": f.new_shipment }), staff_only),
        case("adjustStock", "fulfillment", "inventory:manage",
            "mutation($key: String!) { adjustStock(sku: \"SKU-0001\", delta: 5, idempotencyKey: $key) { stock } }",
            |_| json!({ "key": key() }), staff_only),
        // As authorizePayment: returns knows each order's customer.
        case("requestReturn", "returns", "returns:manage", REQUEST_RETURN,
            |f| json!({ "o": f.busy_order, "sku": ids::product_sku(0), "key": key() }),
            owner_or_staff),
        case("approveReturn", "returns", "returns:manage",
            "mutation($id: ID!) { approveReturn(id: $id) { id } }",
            |f| json!({ "id": f.new_return }), staff_only),
        case("rejectReturn", "returns", "returns:manage",
            "mutation($id: ID!) { rejectReturn(id: $id, reason: \"no\") { id } }",
            |f| json!({ "id": f.new_return }), staff_only),
    ]
}
