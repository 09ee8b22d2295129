//! Hash routes: every page parses back from its own href, view state survives in the query,
//! and path-style addresses map to their hash form.

use super::*;

#[test]
fn every_route_round_trips_through_its_href() {
    let routes = [
        Route::Home,
        Route::Subnets,
        Route::Subnet(3),
        Route::Neuron(3, 255),
        Route::Account("5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY".into()),
        Route::Audit,
        Route::Lab,
        Route::Chain,
    ];
    for route in routes {
        assert_eq!(Location::from_hash(&route.hash()).route, route);
    }
    assert_eq!(Route::parse(""), Route::Home);
    assert_eq!(
        Route::parse("/subnet/x"),
        Route::NotFound("/subnet/x".into())
    );
    assert_eq!(
        Route::parse("/subnet/70000"),
        Route::NotFound("/subnet/70000".into())
    );
    assert_eq!(Route::parse("/nope"), Route::NotFound("/nope".into()));
}

#[test]
fn the_query_keeps_the_view() {
    let l = Location::from_hash("#/subnets?sort=price&dir=desc&q=sn%203+x");
    assert_eq!(l.route, Route::Subnets);
    assert_eq!(l.get("sort"), Some("price"));
    assert_eq!(l.get("q"), Some("sn 3 x"));
    assert_eq!(Location::from_hash(&l.to_hash()), l);
    // Broken escapes stay as written rather than failing.
    assert_eq!(
        Location::from_hash("#/subnets?q=100%").get("q"),
        Some("100%")
    );
    assert_eq!(Location::from_hash("#/subnets?q=%zz").get("q"), Some("%zz"));
}

#[test]
fn path_style_addresses_move_to_the_hash() {
    assert_eq!(legacy_redirect("", "/", ""), None);
    assert_eq!(legacy_redirect("", "/index.html", "?lang=ja"), None);
    assert_eq!(legacy_redirect("/sub", "/sub/", ""), None);
    assert_eq!(
        legacy_redirect("/sub", "/sub/lab", ""),
        Some("#/lab".into())
    );
    assert_eq!(
        legacy_redirect("/sub", "/sub/lab", "?case=x&lang=ja"),
        Some("#/lab?case=x&lang=ja".into())
    );
    assert_eq!(
        legacy_redirect("", "/subnet/3/uid/7", ""),
        Some("#/subnet/3/uid/7".into())
    );
}
