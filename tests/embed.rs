//! The embeddable widget over HTTP: `/embed` is served from the web directory and may be framed by any
//! site; every other response may be framed by none.

mod common;

use reqwest::header::{CONTENT_SECURITY_POLICY, CONTENT_TYPE, SET_COOKIE, X_FRAME_OPTIONS};
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
                header(&r, &CONTENT_SECURITY_POLICY),
                Some("frame-ancestors *"),
                "{path}"
            );
            assert_eq!(header(&r, &X_FRAME_OPTIONS), None, "{path}");
            assert_eq!(header(&r, &SET_COOKIE), None, "{path}");
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
        ("/embed.js", 200),
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
            header(&r, &CONTENT_SECURITY_POLICY),
            Some("frame-ancestors 'none'"),
            "{path}"
        );
        assert_eq!(header(&r, &X_FRAME_OPTIONS), Some("DENY"), "{path}");
        assert_eq!(header(&r, &SET_COOKIE), None, "{path}");
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
