#!/usr/bin/env bash
# DKIM signing throughput on one core: maild's signer (release build) over 20,000 ~2 KB messages
# with RSA-2048 and 100,000 with Ed25519, then dkimpy signing the same message in the same run
# for comparison, and dkimpy verifying one message of ours per algorithm.
# Usage: bench/dkim-sign.sh [RSA_COUNT] [ED25519_COUNT]
set -euo pipefail
cd "$(dirname "$0")/.."
rsa_count=${1:-20000}
ed_count=${2:-100000}

swift build -c release --product dkim-bench >/dev/null
work=$(mktemp -d)
trap 'rm -f "$work"/*; rmdir "$work"' EXIT
# Pin to one core when taskset exists (util-linux), so the figures are per core.
pin=()
command -v taskset >/dev/null && pin=(taskset -c 0)

echo "== maild DKIMSigner (one core)"
"${pin[@]}" .build/release/dkim-bench --rsa "$rsa_count" --ed25519 "$ed_count" --out "$work"

echo "== dkimpy $(python3 -c 'import importlib.metadata as m; print(m.version("dkimpy"))') on the same message (one core)"
"${pin[@]}" python3 - "$work" <<'PY'
import base64, sys, time, dkim
work = sys.argv[1]
for name, algorithm, count in (("rsa-2048", b"rsa-sha256", 500), ("ed25519", b"ed25519-sha256", 2000)):
    signed = open(f"{work}/{name}.eml", "rb").read()
    record = open(f"{work}/{name}.txt", "rb").read()
    ok = dkim.verify(signed, dnsfunc=lambda _name, timeout=5: record)
    message = signed[signed.index(b"\r\nFrom:") + 2:]
    key = open(f"{work}/{name}.key", "rb").read()
    if name == "ed25519":
        # dkimpy takes the base64 32-byte seed, the tail of the PKCS#8 DER.
        der = base64.b64decode(b"".join(line for line in key.splitlines() if not line.startswith(b"-----")))
        key = base64.b64encode(der[-32:])
    start = time.perf_counter()
    for _ in range(count):
        dkim.sign(message, b"bench", b"example.org", key, signature_algorithm=algorithm,
                  include_headers=[b"from", b"to", b"subject", b"date", b"message-id", b"mime-version",
                                   b"content-type", b"list-unsubscribe", b"list-unsubscribe-post", b"feedback-id"],
                  canonicalize=(b"relaxed", b"relaxed"))
    elapsed = time.perf_counter() - start
    print(f"{name}: {count} messages in {elapsed:.2f} s: {count / elapsed:.0f} messages/s "
          f"({elapsed / count * 1e6:.1f} us each); dkimpy verifies our signature: {'yes' if ok else 'NO'}")
    if not ok:
        sys.exit(1)
PY
