//! Sales posted concurrently over HTTP, as tills and integrations post them: the accepted ones
//! take consecutive numbers with no gap and no duplicate, the refused ones take none, and the
//! stock never goes below zero (the books' own concurrency tests check the same below HTTP).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Value};

use crate::books_api::{client, masters, Api};
use crate::both_backends;
use crate::support::TestApp;

both_backends!(
    concurrent_sales_take_consecutive_numbers,
    |app: TestApp| async move {
        let acme = client(&app, "ACME Corp", "acme-corp").await;
        let api = Api {
            app: &app,
            host: acme.host.clone(),
            auth: acme.admin_key(),
        };
        masters(&api).await;
        // Five widgets in stock: five of the twelve widget sales below can be made.
        api.ok(
            "POST",
            "/api/v1/stock-entries",
            Some(
                json!({"purpose": "Material Receipt", "submit": true, "items": [
                    {"item_code": "WID", "qty": 5, "t_warehouse": "Stores", "basic_rate": "4.00"}
                ]}),
            ),
        )
        .await;

        // Twelve widget sales and eight service sales at once, each created and submitted in one
        // call.
        let mut tasks = tokio::task::JoinSet::new();
        for i in 0..20 {
            let http = app.http.clone();
            let url = app.url("/api/v1/sales-invoices");
            let host = acme.host.clone();
            let auth = acme.admin_key();
            let item = if i % 5 < 3 { "WID" } else { "SVC" };
            tasks.spawn(async move {
                let res = http
                    .post(url)
                    .header("host", host)
                    .header("authorization", auth)
                    .json(&json!({"party": "Acme Retail", "submit": true,
                                  "items": [{"item_code": item, "qty": 1}]}))
                    .send()
                    .await
                    .unwrap();
                let status = res.status().as_u16();
                (item, status, res.json::<Value>().await.unwrap())
            });
        }
        let mut accepted = Vec::new();
        let mut refused = 0;
        while let Some(done) = tasks.join_next().await {
            let (item, status, v) = done.unwrap();
            match status {
                201 => {
                    assert_eq!(v["docstatus"], 1, "{v}");
                    accepted.push((item, v));
                }
                // Only a widget sale can be refused, and only for want of stock.
                422 if item == "WID" => {
                    assert!(v["error"].as_str().unwrap().contains("stock"), "{v}");
                    refused += 1;
                }
                _ => panic!("{item}: {status} {v}"),
            }
        }
        assert_eq!(refused, 7);
        assert_eq!(
            accepted.iter().filter(|(item, _)| *item == "WID").count(),
            5
        );
        assert_eq!(accepted.len(), 13);

        // The numbers: in each year's series, 00001 up to the count, each once. The year is that
        // of each sale's posting date, which the server chose: all one year, unless midnight on
        // 31 December falls among the sales and a second series starts.
        let names: Vec<String> = accepted
            .iter()
            .map(|(_, v)| v["name"].as_str().unwrap().to_owned())
            .collect();
        let distinct: BTreeSet<&String> = names.iter().collect();
        assert_eq!(
            distinct.len(),
            names.len(),
            "a number given twice: {names:?}"
        );
        let mut series: BTreeMap<String, Vec<u32>> = BTreeMap::new();
        for (_, v) in &accepted {
            let name = v["name"].as_str().unwrap();
            let year = &v["posting_date"].as_str().unwrap()[..4];
            let serial = name
                .strip_prefix(&format!("SINV-{year}-"))
                .unwrap_or_else(|| panic!("{name} is not of {year}'s series"));
            assert_eq!(serial.len(), 5, "{name}");
            series
                .entry(year.to_owned())
                .or_default()
                .push(serial.parse().unwrap());
        }
        for serials in series.values_mut() {
            serials.sort_unstable();
            let expected: Vec<u32> = (1..=serials.len() as u32).collect();
            assert_eq!(*serials, expected, "{names:?}");
        }

        // The stock is all sold, not oversold; the list holds exactly the accepted sales.
        let stock = api.ok("GET", "/api/v1/reports/stock-balance", None).await;
        assert_eq!(stock["data"][0]["qty"], "0.000", "{stock}");
        let listed = api
            .ok("GET", "/api/v1/sales-invoices?limit=100", None)
            .await;
        let listed: BTreeSet<&str> = listed["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["name"].as_str().unwrap())
            .collect();
        assert_eq!(listed, distinct.iter().map(|n| n.as_str()).collect());
    }
);
