//! Shared logic of the example: request routing and the migration list.

/// The response body for a request path.
pub fn respond(path: &str) -> (u16, String) {
    match path {
        "/" => (200, "hello from the example server\n".to_string()),
        "/health" => (200, "ok\n".to_string()),
        _ => (404, "not found\n".to_string()),
    }
}

/// The schema migrations, in the order they apply.
pub const MIGRATIONS: &[&str] = &["0001_create_users", "0002_add_email"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes() {
        assert_eq!(respond("/health").0, 200);
        assert_eq!(respond("/nope").0, 404);
    }
}
