//! The demo orders' lines as columns, for the seeds that record a read model of them (each
//! domain keeps its own copy of what it needs: order, SKU, quantity, price charged).

use crate::ids;
use crate::AppResult;
use sqlx::PgConnection;
use uuid::Uuid;

/// The lines of some demo orders, one entry per line.
#[derive(Debug, Default)]
pub struct DemoLines {
    pub order_id: Vec<Uuid>,
    pub sku: Vec<String>,
    pub quantity: Vec<i32>,
    pub unit_price: Vec<i64>,
}

impl DemoLines {
    /// Every line of the demo orders `orders` (indexes into [`ids::order_id`]).
    pub fn of(orders: impl IntoIterator<Item = usize>) -> Self {
        let mut lines = DemoLines::default();
        for i in orders {
            for (p, q) in ids::order_lines(i) {
                lines.order_id.push(ids::order_id(i));
                lines.sku.push(ids::product_sku(p));
                lines.quantity.push(q);
                lines.unit_price.push(ids::product_price(p));
            }
        }
        lines
    }

    /// Insert them into `table`'s `(order_id, sku, quantity)` columns, keeping rows already
    /// there (the table's key is `(order_id, sku)`). `table` is one of the seeds' own names.
    pub async fn insert_quantities(&self, conn: &mut PgConnection, table: &str) -> AppResult<()> {
        sqlx::query(&format!(
            "INSERT INTO {table} (order_id, sku, quantity)
             SELECT * FROM UNNEST($1::uuid[], $2::text[], $3::int[])
             ON CONFLICT (order_id, sku) DO NOTHING"
        ))
        .bind(&self.order_id)
        .bind(&self.sku)
        .bind(&self.quantity)
        .execute(conn)
        .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_line_of_the_chosen_orders_in_order() {
        let lines = DemoLines::of([3, 7]);
        let expected = ids::order_lines(3).len() + ids::order_lines(7).len();
        assert_eq!(lines.order_id.len(), expected);
        assert_eq!(lines.sku.len(), expected);
        assert_eq!(lines.order_id[0], ids::order_id(3));
        assert_eq!(lines.order_id[expected - 1], ids::order_id(7));
        let total: i64 = (0..ids::order_lines(3).len())
            .map(|k| lines.unit_price[k] * i64::from(lines.quantity[k]))
            .sum();
        assert_eq!(total, ids::order_total(3));
    }
}
