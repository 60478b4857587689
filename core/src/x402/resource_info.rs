//! v2 `ResourceInfo`: the protected resource, top-level in `PaymentRequired` (x402 v2
//! specification §5.1.2, <https://github.com/coinbase/x402/blob/main/specs/x402-specification-v2.md>).

use super::error::{DecodeError, DecodeReason};
use crate::error::BufferTooSmall;
use crate::json::{JsonStr, Object, ObjectWriter, RawValue};
use crate::writer::Writer;

/// `{url, description?, mimeType?}`, borrowed from the decoded JSON.
#[derive(Debug, Clone, Copy)]
pub struct ResourceInfo<'a> {
    /// `url`, non-empty.
    pub url: JsonStr<'a>,
    /// `description`, optional (the TypeScript server always writes it, possibly empty).
    pub description: Option<JsonStr<'a>>,
    /// `mimeType`, optional.
    pub mime_type: Option<JsonStr<'a>>,
    /// The whole object as received, when decoded from JSON: a client echoes it verbatim in its
    /// v2 payment, as the reference client does.
    pub raw: Option<RawValue<'a>>,
}

impl<'a> ResourceInfo<'a> {
    /// Decodes a `resource` object.
    pub fn from_json_value(value: RawValue<'a>) -> Result<Self, DecodeError> {
        let obj = Object::from_value(value, "resource")?;
        let url = obj.field("url").str()?;
        if url.is_empty() {
            return Err(DecodeError::new("url", DecodeReason::InvalidValue));
        }
        Ok(Self {
            url,
            description: obj.field("description").opt_str()?,
            mime_type: obj.field("mimeType").opt_str()?,
            raw: Some(obj.raw()),
        })
    }

    /// Writes `{"url":…,"description":…,"mimeType":…}`, omitting absent fields.
    pub fn write_json(&self, w: &mut Writer<'_>) -> Result<(), BufferTooSmall> {
        let mut o = ObjectWriter::begin(w)?;
        o.field_json_str("url", &self.url)?;
        if let Some(description) = &self.description {
            o.field_json_str("description", description)?;
        }
        if let Some(mime_type) = &self.mime_type {
            o.field_json_str("mimeType", mime_type)?;
        }
        o.end()
    }

    /// Writes the object as a client echoes it: the received text, minified, when there is one;
    /// otherwise the canonical form of [`ResourceInfo::write_json`].
    pub fn write_echo(&self, w: &mut Writer<'_>) -> Result<(), BufferTooSmall> {
        match &self.raw {
            Some(raw) => crate::json::write_minified(w, raw),
            None => self.write_json(w),
        }
    }
}
