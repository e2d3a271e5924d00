//! `crowdcrunch events ...`: the operator's commands for the event stream: list a consumer's
//! dead letters, replay them after a fix, rebuild a consumer's view from a point in time.

use anyhow::{bail, Context};
use chrono::{DateTime, Utc};
use clap::{Args, Subcommand};
use std::path::{Path, PathBuf};
use subgraph_kit::events::{dlq, replay, Bus, BusConfig, Subscription};
use subgraph_kit::server::Subgraph;

#[derive(Debug, Args)]
pub struct EventsArgs {
    #[command(subcommand)]
    pub command: EventsCommand,
    /// NATS server; default: the one the local launcher started (`<data-dir>/nats.url`).
    #[arg(long, env = "NATS_URL", global = true)]
    pub nats_url: Option<String>,
    /// The launcher's data directory.
    #[arg(
        long,
        env = "CROWDCRUNCH_DATA_DIR",
        default_value = ".data",
        global = true
    )]
    pub data_dir: PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum EventsCommand {
    /// List the dead letters of a consumer (`customers`, `orders`, `payments`, `fulfillment`,
    /// `returns`): subject, attempts, error, event.
    Dlq {
        #[arg(long)]
        consumer: String,
    },
    /// Publish a consumer's dead letters again to where they came from (after fixing the
    /// cause), and remove them from the dead-letter subject.
    ReplayDlq {
        #[arg(long)]
        consumer: String,
    },
    /// Rebuild a consumer's view from a point in time: its durable consumer is recreated to
    /// deliver every event published since `--since` again, and its running service replaces,
    /// event by event, what each did (forget, then apply, in one transaction). Events before
    /// that time are untouched and nothing is applied twice. Only consumers that keep a view
    /// and nothing else can: `customers` (notifications). The others move orders, stock or
    /// money, so applying their events again would apply them twice: refused.
    Replay {
        /// The durable consumer, named as its subgraph: `customers`.
        #[arg(long)]
        consumer: String,
        /// RFC 3339 time, e.g. `2026-12-03T12:00:00Z`; no earlier than the stream keeps
        /// events (7 days).
        #[arg(long, value_parser = parse_since)]
        since: DateTime<Utc>,
    },
}

fn parse_since(text: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| format!("not an RFC 3339 time ({e}), e.g. 2026-12-03T12:00:00Z"))
}

/// Every durable consumer the subgraphs declare.
fn subscriptions() -> anyhow::Result<Vec<Subscription>> {
    // The declarations take the service's pool (none of them keeps it): a lazy one, never
    // connected.
    let pool = sqlx::postgres::PgPoolOptions::new().connect_lazy("postgres://declarations")?;
    Ok([
        customers::Customers::subscriptions(&pool),
        orders::Orders::subscriptions(&pool),
        payments::Payments::subscriptions(&pool),
        fulfillment::Fulfillment::subscriptions(&pool),
        returns::Returns::subscriptions(&pool),
    ]
    .concat())
}

/// Refuse a consumer that does not exist or whose handler cannot be rebuilt.
fn check_rebuildable(consumer: &str) -> anyhow::Result<()> {
    let all = subscriptions()?;
    let Some(found) = all.iter().find(|s| s.name == consumer) else {
        let names: Vec<&str> = all.iter().map(|s| s.name).collect();
        bail!("no consumer {consumer:?} (consumers: {})", names.join(", "));
    };
    if !found.handler.rebuilds() {
        let can: Vec<&str> = all
            .iter()
            .filter(|s| s.handler.rebuilds())
            .map(|s| s.name)
            .collect();
        bail!(
            "consumer {consumer:?} cannot be rebuilt: its handler changes state beyond a view \
             (orders, stock or money), so applying its events again would apply them twice. \
             Consumers that can: {}",
            can.join(", ")
        );
    }
    Ok(())
}

/// Where the launcher writes the URL of the nats-server it started.
pub fn url_file(data_dir: &Path) -> PathBuf {
    data_dir.join("nats.url")
}

pub fn run(args: EventsArgs) -> anyhow::Result<()> {
    let url = match args.nats_url {
        Some(url) => url,
        None => {
            let file = url_file(&args.data_dir);
            std::fs::read_to_string(&file)
                .with_context(|| {
                    format!(
                        "no --nats-url and no {} (is the platform running?)",
                        file.display()
                    )
                })?
                .trim()
                .to_string()
        }
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        if let EventsCommand::Replay { consumer, .. } = &args.command {
            check_rebuildable(consumer)?;
        }
        let bus = Bus::connect(&BusConfig::new(url)).await?;
        match args.command {
            EventsCommand::Dlq { consumer } => {
                let letters = dlq::list(&bus, &consumer).await?;
                for l in &letters {
                    let event = l
                        .event
                        .as_ref()
                        .map(|(id, t, v)| format!("{t} v{v} {id}"))
                        .unwrap_or_else(|| "(not an envelope)".into());
                    println!(
                        "#{} {} attempts={} {event}: {}",
                        l.sequence, l.subject, l.attempts, l.error
                    );
                }
                println!("{} dead letter(s) for {consumer}", letters.len());
            }
            EventsCommand::ReplayDlq { consumer } => {
                let n = dlq::replay(&bus, &consumer).await?;
                println!("replayed {n} dead letter(s) of {consumer}");
            }
            EventsCommand::Replay { consumer, since } => {
                let started = replay::rebuild(&bus, &consumer, since).await?;
                println!(
                    "{consumer}: {} event(s) since {} to deliver again; its service rebuilds \
                     as they arrive (events_consumed_total{{outcome=\"rebuilt\"}})",
                    started.pending,
                    since.to_rfc3339()
                );
            }
        }
        anyhow::Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn only_a_consumer_that_keeps_a_view_can_be_rebuilt() {
        check_rebuildable("customers").expect("notifications are a view");
        for consumer in ["orders", "payments", "fulfillment", "returns"] {
            let refused = check_rebuildable(consumer).expect_err(consumer).to_string();
            assert!(refused.contains("cannot be rebuilt"), "{refused}");
            assert!(
                refused.ends_with("Consumers that can: customers"),
                "{refused}"
            );
        }
        let unknown = check_rebuildable("nobody")
            .expect_err("unknown")
            .to_string();
        assert!(unknown.contains("customers, orders, payments"), "{unknown}");
    }

    #[test]
    fn since_is_an_rfc3339_time() {
        let at = parse_since("2026-12-03T12:00:00+01:00").expect("a time");
        assert_eq!(at.to_rfc3339(), "2026-12-03T11:00:00+00:00");
        assert!(parse_since("yesterday").is_err());
    }
}
