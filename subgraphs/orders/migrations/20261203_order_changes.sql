-- Announce every order placed and every status change on commit (channel
-- <schema>_order_changes), for the orderStatusChanged and orderUpdates subscriptions
-- (subgraph_kit::live::Changes listens).
CREATE FUNCTION announce_order_change() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify(
        current_schema() || '_order_changes',
        json_build_object('id', NEW.id, 'customer_id', NEW.customer_id, 'status', NEW.status)::text
    );
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER order_changes
    AFTER INSERT OR UPDATE OF status ON orders
    FOR EACH ROW EXECUTE FUNCTION announce_order_change();
