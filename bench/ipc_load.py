"""IPC load probe for bench/ipc-load.sh: N concurrent control connections asking maild for a
job's status in a loop while it sends, plus one watcher that never reads its socket.
Prints reply latency percentiles; exits 1 if any request failed.
Usage: ipc_load.py SOCKET JOB_ID CLIENTS SECONDS"""
import asyncio, json, struct, sys, time

socket_path, job_id, clients, seconds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])

def frame(obj):
    body = json.dumps(obj).encode()
    return struct.pack(">I", len(body)) + body

async def read_frame(reader):
    length = struct.unpack(">I", await reader.readexactly(4))[0]
    return json.loads(await reader.readexactly(length))

async def client(index, latencies, failures, deadline):
    reader, writer = await asyncio.open_unix_connection(socket_path)
    writer.write(frame({"id": 1, "type": "hello", "body": {"protocol_version": 1, "client": f"load-{index}"}}))
    await writer.drain()
    await read_frame(reader)
    request_id = 2
    while time.monotonic() < deadline:
        kind = "list" if request_id % 5 == 0 else "status"
        body = {"include_finished": True} if kind == "list" else {"job_id": job_id}
        started = time.monotonic()
        writer.write(frame({"id": request_id, "type": kind, "body": body}))
        await writer.drain()
        answer = await read_frame(reader)
        latencies.append(time.monotonic() - started)
        if answer.get("type") == "error" or answer.get("id") != request_id:
            failures.append(answer)
        request_id += 1
        await asyncio.sleep(0.02)
    writer.close()

async def stalled_watcher():
    # Asks for a watch and never reads: the daemon must not buffer without bound or slow down.
    reader, writer = await asyncio.open_unix_connection(socket_path, limit=1024)
    writer.write(frame({"id": 1, "type": "hello", "body": {"protocol_version": 1, "client": "stalled"}}))
    writer.write(frame({"id": 2, "type": "watch", "body": {"job_id": job_id}}))
    await writer.drain()
    return writer

async def main():
    latencies, failures = [], []
    stalled = await stalled_watcher()
    deadline = time.monotonic() + seconds
    await asyncio.gather(*(client(i, latencies, failures, deadline) for i in range(clients)))
    stalled.close()
    latencies.sort()
    pick = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000
    print(f"ipc     clients={clients} requests={len(latencies)} failures={len(failures)} "
          f"p50={pick(0.50):.1f}ms p99={pick(0.99):.1f}ms max={latencies[-1] * 1000:.1f}ms (target p99 < 100 ms)")
    if failures:
        print("first failure:", failures[0])
        sys.exit(1)

asyncio.run(main())
