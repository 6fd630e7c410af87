//! Over real WebSockets: a display counts a long text's pages, a tablet turns them and
//! sets accessibility modes, and a repeated tap is answered without a state.

mod common;

use common::{connect, next, send, start};
use serde_json::json;

#[tokio::test]
async fn a_display_counts_pages_and_a_tablet_turns_them() {
    let s = start().await;
    let mut display = connect(&s, "1", "display").await;
    let mut tablet = connect(&s, "1", "tablet").await;
    let first = next(&mut display).await;
    next(&mut tablet).await;
    assert_eq!(first["page"], json!({"index": 0, "count": 1}));
    assert_eq!(
        first["prefs"],
        json!({"text": "normal", "contrast": "normal"})
    );
    assert_eq!(first["idle_in"], serde_json::Value::Null);

    // The display drew the text and needs three pages at its size.
    send(
        &mut display,
        json!({"type": "pages", "seq": first["seq"], "count": 3}),
    )
    .await;
    for page in [&mut display, &mut tablet] {
        let st = next(page).await;
        assert_eq!(st["page"], json!({"index": 0, "count": 3}), "{st}");
    }
    // A report for another frame, or out of bounds, is ignored: the next state the
    // tablet causes still has three pages.
    send(&mut display, json!({"type": "pages", "seq": 0, "count": 7})).await;
    send(
        &mut display,
        json!({"type": "pages", "seq": first["seq"], "count": 500}),
    )
    .await;

    send(&mut tablet, json!({"type": "page", "n": 1, "id": 4})).await;
    let st = next(&mut tablet).await;
    assert_eq!(
        (st["page"].clone(), st["ref"].clone()),
        (json!({"index": 1, "count": 3}), json!(4))
    );
    assert_eq!(next(&mut display).await["page"]["index"], 1);

    // The same tap again: taken, nothing changes, and the tablet is told so.
    send(&mut tablet, json!({"type": "page", "n": 1, "id": 5})).await;
    let ack = next(&mut tablet).await;
    assert_eq!(ack, json!({"type": "ack", "ref": 5, "seq": st["seq"]}));

    send(&mut tablet, json!({"type": "page", "n": 3, "id": 6})).await;
    let err = next(&mut tablet).await;
    assert_eq!(
        (err["code"].as_str(), err["ref"].as_u64()),
        (Some("page_out_of_range"), Some(6))
    );

    // Large text and high contrast reach the display; the pages are counted anew.
    send(
        &mut tablet,
        json!({"type": "prefs", "text": "large", "contrast": "high", "id": 7}),
    )
    .await;
    let st = next(&mut display).await;
    assert_eq!(st["prefs"], json!({"text": "large", "contrast": "high"}));
    assert_eq!(st["page"], json!({"index": 0, "count": 1}));
    assert_eq!(next(&mut tablet).await["ref"], 7);

    // A malformed report is named as such.
    send(
        &mut display,
        json!({"type": "pages", "seq": 1, "count": -3}),
    )
    .await;
    let e = next(&mut display).await;
    assert_eq!(e["code"], "bad_json");
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .starts_with("not a pages report"),
        "{e}"
    );

    // A display cannot drive the screen.
    send(&mut display, json!({"type": "stay", "id": 8})).await;
    assert_eq!(next(&mut display).await["code"], "forbidden");
    send(
        &mut tablet,
        json!({"type": "prefs", "text": "huge", "id": 9}),
    )
    .await;
    assert_eq!(next(&mut tablet).await["code"], "bad_json");
}
