#!/usr/bin/env python3
"""Independent reader for maild's generated messages (Tests/MessageTests/Composition).

Usage: email_parse_messages.py DIR OUT.json
Parses every DIR/*.eml with Python's email package (policy=email.policy.default) and writes,
per file: the decoded headers, defects, every leaf part (content type, filename, transfer
encoding, decoded content) and wire facts (longest line, bare CR/LF, final CRLF).
"""
import base64, email, email.policy, json, pathlib, sys


def describe(path):
    raw = path.read_bytes()
    # Parsed from text, not bytes, so RFC 6532 UTF-8 headers are read as characters (every
    # message maild writes is UTF-8 at most; bodies are 7bit, quoted-printable or base64).
    message = email.message_from_string(raw.decode("utf-8"), policy=email.policy.default)
    lines = raw.split(b"\r\n")
    body_lines = raw.split(b"\r\n\r\n", 1)[1].split(b"\r\n")
    result = {
        "defects": [type(d).__name__ for d in message.defects],
        "headers": {},
        "header_defects": [],
        "longest_line": max(len(line) for line in lines),
        "longest_body_line": max(len(line) for line in body_lines),
        "bare_line_breaks": raw.replace(b"\r\n", b"").count(b"\n") + raw.replace(b"\r\n", b"").count(b"\r"),
        "ends_with_crlf": raw.endswith(b"\r\n"),
        "content_type": message.get_content_type(),
        "parts": [],
        "dot_lines": sum(1 for line in lines if line.startswith(b".")),
    }
    for name in ["From", "To", "Reply-To", "Subject", "Date", "Message-ID", "MIME-Version",
                 "List-Unsubscribe", "List-Unsubscribe-Post", "List-Id", "X-Campaign", "X-Test"]:
        values = message.get_all(name)
        if values is None:
            continue
        result["headers"][name] = [str(v) for v in values]
        for value in values:
            result["header_defects"] += [type(d).__name__ for d in getattr(value, "defects", [])]
        if name in ("From", "To", "Reply-To"):
            result["headers"][name + ":addresses"] = [[a.display_name, a.addr_spec] for v in values for a in v.addresses]
    result["header_names"] = [name for name, _ in message.raw_items()]
    for part in message.walk():
        if part.is_multipart():
            result["defects"] += [type(d).__name__ for d in part.defects]
            continue
        entry = {
            "content_type": part.get_content_type(),
            "charset": part.get_content_charset(),
            "transfer_encoding": part.get("Content-Transfer-Encoding"),
            "filename": part.get_filename(),
            "defects": [type(d).__name__ for d in part.defects],
        }
        if part.get_content_maintype() == "text" and part.get_filename() is None:
            entry["text"] = part.get_content().replace("\r\n", "\n")
        else:
            entry["base64"] = base64.b64encode(part.get_payload(decode=True)).decode()
        result["parts"].append(entry)
    return result


def main():
    directory, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
    results = {path.name: describe(path) for path in sorted(directory.glob("*.eml"))}
    out.write_text(json.dumps(results))


if __name__ == "__main__":
    main()
