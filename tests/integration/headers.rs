//! The headers that protect the page and its visitors: a Content-Security-Policy that allows no inline
//! script and nothing from another host, no content sniffing, a referrer policy, and framing: `/embed`
//! may be framed by any site, every other response by none. The API stays open to other sites' GETs.

use crate::common;

use reqwest::header::{
    ACCESS_CONTROL_ALLOW_ORIGIN, CONTENT_SECURITY_POLICY, CONTENT_TYPE, ORIGIN, REFERRER_POLICY, SET_COOKIE,
    X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use reqwest::{Client, Method, Response};

async fn request(method: Method, url: String) -> Response {
    Client::new()
        .request(method, &url)
        .header("Accept-Encoding", "br, gzip")
        .send()
        .await
        .unwrap_or_else(|e| panic!("{url}: {e}"))
}

fn header<'a>(response: &'a Response, name: &reqwest::header::HeaderName) -> Option<&'a str> {
    response
        .headers()
        .get(name)
        .map(|v| v.to_str().expect("ASCII header"))
}

/// The sources of one directive of the response's Content-Security-Policy.
fn directive(response: &Response, name: &str) -> Option<Vec<String>> {
    header(response, &CONTENT_SECURITY_POLICY)?
        .split(';')
        .map(str::split_whitespace)
        .find_map(|mut words| (words.next() == Some(name)).then(|| words.map(String::from).collect()))
}

/// What every response must carry, framed or not.
fn assert_protected(r: &Response, path: &str) {
    let scripts = directive(r, "script-src").unwrap_or_else(|| panic!("{path}: no script-src"));
    assert_eq!(
        scripts,
        ["'self'"],
        "{path}: scripts from this origin only, none inline"
    );
    for name in ["default-src", "style-src", "connect-src"] {
        assert_eq!(
            directive(r, name).as_deref(),
            Some(&["'self'".to_string()][..]),
            "{path}: {name}"
        );
    }
    assert_eq!(
        directive(r, "object-src").as_deref(),
        Some(&["'none'".to_string()][..])
    );
    assert_eq!(header(r, &X_CONTENT_TYPE_OPTIONS), Some("nosniff"), "{path}");
    assert_eq!(
        header(r, &REFERRER_POLICY),
        Some("strict-origin-when-cross-origin"),
        "{path}"
    );
    assert_eq!(header(r, &SET_COOKIE), None, "{path}");
}

#[tokio::test]
async fn any_site_may_frame_the_widget() {
    for method in [Method::GET, Method::HEAD] {
        for path in ["/embed", "/embed?pays=200051118", "/embed?pays=unknown"] {
            let r = request(method.clone(), format!("{}{path}", common::web_server())).await;
            assert_eq!(r.status(), 200, "{method} {path}");
            assert!(
                header(&r, &CONTENT_TYPE).is_some_and(|t| t.starts_with("text/html")),
                "{path}"
            );
            assert_eq!(
                directive(&r, "frame-ancestors").as_deref(),
                Some(&["*".to_string()][..]),
                "{path}"
            );
            assert_eq!(header(&r, &X_FRAME_OPTIONS), None, "{path}");
            assert_protected(&r, path);
            if method == Method::GET {
                let body = r.text().await.expect("body");
                assert!(body.contains(r#"<html lang="fr">"#), "{path}");
                assert!(body.contains("embed.js"), "{path}");
            }
        }
    }
}

#[tokio::test]
async fn no_other_response_may_be_framed() {
    for (path, status) in [
        ("/", 200),
        ("/index.html", 200),
        ("/embed.html", 200),
        ("/js/pages/embed.js", 200),
        ("/embed/", 404),
        ("/api/layers", 200),
        ("/api/search?q=Vervins", 200),
        ("/api/territories/pays/200051118", 200),
        ("/api/locate?lat=45.7772&lon=3.0870", 200),
        ("/api/nope", 404),
        ("/ogc", 200),
        ("/healthz", 200),
    ] {
        let r = request(Method::GET, format!("{}{path}", common::web_server())).await;
        assert_eq!(r.status(), status, "{path}");
        assert_eq!(
            directive(&r, "frame-ancestors").as_deref(),
            Some(&["'none'".to_string()][..]),
            "{path}"
        );
        assert_eq!(header(&r, &X_FRAME_OPTIONS), Some("DENY"), "{path}");
        assert_protected(&r, path);
    }
    // A refused method carries the rule too.
    let r = request(Method::DELETE, format!("{}/api/layers", common::web_server())).await;
    assert_eq!(r.status(), 405);
    assert_eq!(header(&r, &X_FRAME_OPTIONS), Some("DENY"));
}

#[tokio::test]
async fn without_a_web_directory_the_widget_is_a_json_404() {
    let (base, _) = common::servers();
    let r = request(Method::GET, format!("{base}/embed")).await;
    assert_eq!(r.status(), 404);
    assert!(header(&r, &CONTENT_TYPE).is_some_and(|t| t.contains("json")));
    let body: serde_json::Value = r.json().await.expect("JSON");
    assert_eq!(body["error"]["status"], 404);
}

#[tokio::test]
async fn other_sites_may_read_the_api_with_get() {
    for path in [
        "/api/layers",
        "/api/locate?lat=45.7772&lon=3.0870",
        "/ogc/collections",
        "/api/nope",
    ] {
        let r = Client::new()
            .get(format!("{}{path}", common::web_server()))
            .header(ORIGIN, "https://www.example-pays.fr")
            .send()
            .await
            .expect("GET");
        assert_eq!(header(&r, &ACCESS_CONTROL_ALLOW_ORIGIN), Some("*"), "{path}");
    }
}

/// The policy refuses inline code, so the pages must have none: every script is a file, no element
/// has a `style` attribute or an `on…` handler.
#[test]
fn the_pages_hold_no_inline_script_or_style() {
    let web = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("web");
    let mut pages = 0;
    for entry in std::fs::read_dir(&web).expect("web/") {
        let path = entry.expect("entry").path();
        if path.extension().is_none_or(|e| e != "html") {
            continue;
        }
        pages += 1;
        let html = std::fs::read_to_string(&path).expect("page").to_ascii_lowercase();
        let name = path.display();
        for (at, _) in html.match_indices("<script") {
            let tag = &html[at..at + html[at..].find('>').expect("tag end")];
            assert!(tag.contains(" src="), "{name}: inline script `{tag}>`");
        }
        assert!(!html.contains("<style"), "{name}: inline <style>");
        assert!(!html.contains(" style="), "{name}: style attribute");
        assert!(!html.contains("javascript:"), "{name}: javascript: URL");
        for handler in [
            " onclick=",
            " onload=",
            " onerror=",
            " onchange=",
            " oninput=",
            " onsubmit=",
        ] {
            assert!(!html.contains(handler), "{name}: inline handler {handler}");
        }
    }
    assert!(pages >= 3, "found {pages} pages in {}", web.display());
}
