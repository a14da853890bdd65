"""Untrusted images in: the gate (limits, decoding, bombs), request inputs (multipart,
base64 JSON) and guarded URL fetching."""
