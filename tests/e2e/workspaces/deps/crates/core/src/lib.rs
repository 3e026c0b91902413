//! What the binary reports, as JSON: the words of a line that match a pattern.
use serde::{Deserialize, Serialize};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("bad pattern: {0}")]
    Pattern(#[from] regex::Error),
    #[error("json: {0}")]
    Json(#[from] serde_json::Error),
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
pub struct Report {
    pub matches: Vec<String>,
    pub arch: String,
}

pub fn report(pattern: &str, text: &str) -> Result<String, Error> {
    let re = regex::Regex::new(pattern)?;
    let matches = re.find_iter(text).map(|m| m.as_str().to_string()).collect();
    Ok(serde_json::to_string(&Report { matches, arch: std::env::consts::ARCH.to_string() })?)
}
