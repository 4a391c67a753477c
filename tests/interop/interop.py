#!/usr/bin/env python3
"""Cross-client interop suite: a Python grpcio client against a real `statecraft serve`.

Stubs are generated from ../../proto with grpcio-tools into a temporary directory at start;
nothing generated is kept. The server runs as a child process on free 127.0.0.1 ports with
its own data directory. Every probe checks that the answer is a clean gRPC status of the
expected codes (never INTERNAL, UNKNOWN or a transport failure) and that its message stays
under 1 KB. Load loops are bounded in count and time. Exit status 1 when any probe fails.

Usage: interop.py --statecraft PATH/TO/statecraft [--keep]
"""

import argparse
import concurrent.futures
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unicodedata

import grpc

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOKEN = "interop-token"
MAX_DOCS_PER_STREAM = 20_000
MAX_MESSAGE = 1024
MiB = 1024 * 1024
BAD_CODES = {grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN}


def generate_stubs(out_dir):
    from grpc_tools import protoc
    import grpc_tools

    protos = [
        "statecraft/events/v1/events.proto",
        "statecraft/ingest/v1/ingest.proto",
        "statecraft/extraction/v1/extraction.proto",
        "statecraft/query/v1/query.proto",
    ]
    include = os.path.join(os.path.dirname(grpc_tools.__file__), "_proto")
    args = [
        "protoc",
        f"-I{os.path.join(ROOT, 'proto')}",
        f"-I{include}",
        f"--python_out={out_dir}",
        f"--grpc_python_out={out_dir}",
    ] + protos
    if protoc.main(args) != 0:
        raise SystemExit("grpc_tools.protoc failed")
    sys.path.insert(0, out_dir)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`statecraft serve` as a child process with its own config and data directory."""

    def __init__(self, binary, work):
        self.binary = binary
        self.work = work
        self.ports = {"ingest": free_port(), "extraction": free_port(), "query": free_port()}
        self.config = os.path.join(work, "statecraft.toml")
        server = f'[{{}}.server]\nauth_token = "{TOKEN}"\n'
        with open(self.config, "w") as f:
            f.write(
                f'[ingest]\nlisten = "127.0.0.1:{self.ports["ingest"]}"\n'
                f"max_documents_per_stream = {MAX_DOCS_PER_STREAM}\n"
                f'[extraction]\nlisten = "127.0.0.1:{self.ports["extraction"]}"\n'
                f'[query]\nlisten = "127.0.0.1:{self.ports["query"]}"\n'
            )
            for name in self.ports:
                f.write(server.format(name))
        self.proc = None

    def start(self):
        log = open(os.path.join(self.work, "serve.log"), "a")
        self.proc = subprocess.Popen(
            [self.binary, "serve", "--config", self.config, "--data-dir",
             os.path.join(self.work, "data")],
            stdout=log, stderr=log, stdin=subprocess.DEVNULL,
        )

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def channel(self, name):
        return grpc.insecure_channel(
            f"127.0.0.1:{self.ports[name]}",
            options=[("grpc.max_send_message_length", 64 * MiB),
                     ("grpc.max_receive_message_length", 64 * MiB)],
        )


def health_status(channel, service="", timeout=2):
    """grpc.health.v1 Check, encoded by hand: 1 = SERVING, 2 = NOT_SERVING."""
    check = channel.unary_unary("/grpc.health.v1.Health/Check")
    body = service.encode()
    request = (b"\x0a" + bytes([len(body)]) + body) if body else b""
    reply = check(request, timeout=timeout)
    return reply[1] if len(reply) >= 2 and reply[0] == 0x08 else 0


def read_varint(data, i):
    value, shift = 0, 0
    while True:
        b = data[i]
        i += 1
        value |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return value, i


def length_delimited_fields(data, wanted):
    """The length-delimited values of field number `wanted` in a protobuf message."""
    out, i = [], 0
    while i < len(data):
        key, i = read_varint(data, i)
        field, wire = key >> 3, key & 7
        if wire == 2:
            size, i = read_varint(data, i)
            if field == wanted:
                out.append(data[i:i + size])
            i += size
        elif wire == 0:
            _, i = read_varint(data, i)
        elif wire == 1:
            i += 8
        elif wire == 5:
            i += 4
        else:
            break
    return out


def reflection_services(channel):
    """Services that server reflection (v1) lists."""
    info = channel.stream_stream("/grpc.reflection.v1.ServerReflection/ServerReflectionInfo")
    replies = list(info(iter([b"\x3a\x01*"]), timeout=5))
    names = []
    for reply in replies:
        for listing in length_delimited_fields(reply, 6):
            for service in length_delimited_fields(listing, 1):
                names += [n.decode() for n in length_delimited_fields(service, 1)]
    return sorted(names)


class Suite:
    def __init__(self, server, pb):
        self.server = server
        self.pb = pb
        self.passed = 0
        self.failed = []
        self.meta = [("authorization", f"Bearer {TOKEN}")]
        self.channels = {name: server.channel(name) for name in server.ports}
        self.ingest = pb["ingest_grpc"].IngestServiceStub(self.channels["ingest"])
        self.extraction = pb["extraction_grpc"].ExtractionServiceStub(self.channels["extraction"])
        self.query = pb["query_grpc"].QueryServiceStub(self.channels["query"])
        self.run_tag = f"{os.getpid()}-{int(time.time())}"

    # -- bookkeeping -------------------------------------------------------------------------

    def record(self, name, ok, detail=""):
        if ok:
            self.passed += 1
            print(f"ok    {name}")
        else:
            self.failed.append(name)
            print(f"FAIL  {name}: {detail}")

    def expect_error(self, name, call, codes):
        """Runs `call`, which must fail with one of `codes` and a short message."""
        try:
            call()
        except grpc.RpcError as error:
            code, message = error.code(), error.details() or ""
            ok = code in codes and code not in BAD_CODES and len(message) < MAX_MESSAGE
            self.record(name, ok, f"{code.name} ({len(message)} bytes) {message[:160]!r}")
            return code
        self.record(name, False, "succeeded, expected " + "/".join(c.name for c in codes))
        return grpc.StatusCode.OK

    def raw_unary(self, service, path, body, timeout=10):
        method = self.channels[service].unary_unary(path)
        return method(body, timeout=timeout, metadata=self.meta)

    def text(self, words):
        return f"Interop probe {self.run_tag}: {words}"

    # -- probes ------------------------------------------------------------------------------

    def bulk_stream(self, count, size, label):
        """One SubmitDocuments stream of `count` distinct documents of about `size` bytes."""
        filler = " The delegation said talks would resume next week." * max(0, size // 52)
        sent = [0]

        def documents():
            for i in range(count):
                sent[0] += 1
                yield self.pb["ingest"].SubmitDocumentRequest(
                    text=self.text(f"{label} bulk note {i}.{filler}"))

        sample = len(self.text(f"{label} bulk note {count // 2}.{filler}").encode())
        name = f"bulk {label}: {count} documents of about {sample} B"
        started = time.monotonic()
        try:
            reply = self.ingest.SubmitDocuments(documents(), timeout=300, metadata=self.meta)
        except grpc.RpcError as error:
            self.record(name, False,
                        f"{error.code().name} {(error.details() or '')[:200]!r} after {sent[0]} sent")
            return
        elapsed = time.monotonic() - started
        stored = reply.accepted + reply.duplicates
        every_result = len(reply.results) == stored + reply.rejected and all(
            r.accepted.doc_id for r in reply.results if not r.error_code)
        expected = min(count, MAX_DOCS_PER_STREAM)
        stopped_ok = (count <= MAX_DOCS_PER_STREAM) == (reply.stopped_reason == "")
        ok = stored == expected and every_result and stopped_ok and len(reply.stopped_reason) < MAX_MESSAGE
        self.record(name, ok,
                    f"stored {stored}, results {len(reply.results)}, stopped {reply.stopped_reason!r}")
        print(f"      {stored} stored in {elapsed:.1f} s ({stored / elapsed:.0f} docs/s), "
              f"{sent[0]} sent by the client; stop: {reply.stopped_reason[:120]!r}")

    def concurrent_bulk(self, streams=2, count=10_000):
        """Bulk streams at once on one channel (one HTTP/2 connection)."""
        def one(n):
            documents = (self.pb["ingest"].SubmitDocumentRequest(text=self.text(f"parallel {n} note {i}."))
                         for i in range(count))
            try:
                reply = self.ingest.SubmitDocuments(documents, timeout=300, metadata=self.meta)
                return reply.accepted + reply.duplicates, len(reply.results)
            except grpc.RpcError as error:
                return error.code().name, (error.details() or "")[:200]

        with concurrent.futures.ThreadPoolExecutor(streams) as pool:
            outcomes = list(pool.map(one, range(streams)))
        self.record(f"{streams} bulk streams of {count} at once on one connection",
                    all(o == (count, count) for o in outcomes), str(outcomes))

    def mid_stream_failure(self):
        """A stream that fails part-way still answers for what it stored."""
        too_big = "x" * (33 * 1000 * 1000)

        def documents():
            for i in range(5):
                yield self.pb["ingest"].SubmitDocumentRequest(text=self.text(f"before the big one {i}."))
            yield self.pb["ingest"].SubmitDocumentRequest(text=too_big)
            for i in range(5):
                yield self.pb["ingest"].SubmitDocumentRequest(text=self.text(f"after the big one {i}."))

        try:
            reply = self.ingest.SubmitDocuments(documents(), timeout=60, metadata=self.meta)
        except grpc.RpcError as error:
            self.record("stream with a 33 MB message mid-way answers for the stored ones", False,
                        f"{error.code().name} {(error.details() or '')[:200]!r}")
            return
        stored = [r for r in reply.results if r.accepted.doc_id]
        ok = len(stored) == 5 and reply.stopped_reason != "" and len(reply.stopped_reason) < MAX_MESSAGE
        self.record("stream with a 33 MB message mid-way answers for the stored ones", ok,
                    f"{len(stored)} stored results, stop {reply.stopped_reason[:200]!r}")
        limit_named = "16777216" in reply.stopped_reason or "16 MiB" in reply.stopped_reason
        self.record("the stop names the size limit", limit_named, repr(reply.stopped_reason[:200]))

    def size_limits(self):
        request = self.pb["ingest"].SubmitDocumentRequest(text="y" * (33 * 1000 * 1000))
        self.expect_error("unary 33 MB document",
                          lambda: self.ingest.SubmitDocument(request, timeout=60, metadata=self.meta),
                          {grpc.StatusCode.INVALID_ARGUMENT})
        # A 16 MiB document of sentences: ingested, then extracted.
        sentence = "Officials in Oslo and Lima met on Tuesday to discuss fishing quotas. "
        body = self.text("a long hearing record.") + " "
        body += sentence * ((16 * MiB - len(body.encode())) // len(sentence))
        started = time.monotonic()
        try:
            reply = self.ingest.SubmitDocument(
                self.pb["ingest"].SubmitDocumentRequest(text=body), timeout=120, metadata=self.meta)
        except grpc.RpcError as error:
            self.record("16 MiB document is ingested", False, f"{error.code().name} {error.details()!r}"[:300])
            return
        self.record("16 MiB document is ingested", bool(reply.doc_id))
        deadline = time.monotonic() + 120
        extracted = False
        while time.monotonic() < deadline and not extracted:
            try:
                doc = self.query.GetDocument(
                    self.pb["query"].GetDocumentRequest(doc_id=reply.doc_id, min_position=reply.position),
                    timeout=30, metadata=self.meta)
                extracted = doc.state == pb_query(self.pb).EXTRACTION_STATE_EXTRACTED
            except grpc.RpcError as error:
                if error.code() in BAD_CODES:
                    break
            if not extracted:
                time.sleep(0.5)
        self.record("16 MiB document is extracted", extracted,
                    "no extraction within 120 s")
        print(f"      16 MiB document ingested and extracted in {time.monotonic() - started:.1f} s")

    def deadlines_and_cancel(self):
        def slow_documents():
            for i in range(50):
                time.sleep(0.002)
                yield self.pb["ingest"].SubmitDocumentRequest(text=self.text(f"deadline note {i}."))

        self.expect_error("stream with a 1 ms deadline",
                          lambda: self.ingest.SubmitDocuments(slow_documents(), timeout=0.001,
                                                              metadata=self.meta),
                          {grpc.StatusCode.DEADLINE_EXCEEDED})
        request = self.pb["ingest"].SubmitDocumentRequest(text=self.text("one ms unary."))
        # A fast server may answer within 1 ms; it must never say CANCELLED.
        try:
            self.ingest.SubmitDocument(request, timeout=0.001, metadata=self.meta)
            self.record("unary with a 1 ms deadline", True)
        except grpc.RpcError as error:
            self.record("unary with a 1 ms deadline", error.code() == grpc.StatusCode.DEADLINE_EXCEEDED,
                        f"{error.code().name} {error.details()!r}")
        # Cancellation mid-stream: the client walks away; the server stays healthy.
        stop = threading.Event()

        def endless():
            for i in range(100_000):
                if stop.is_set():
                    return
                time.sleep(0.001)
                yield self.pb["ingest"].SubmitDocumentRequest(text=self.text(f"cancelled note {i}."))

        future = self.ingest.SubmitDocuments.future(endless(), timeout=60, metadata=self.meta)
        time.sleep(0.5)
        future.cancel()
        stop.set()
        code = None
        try:
            future.result(timeout=5)
        except grpc.FutureCancelledError:
            code = grpc.StatusCode.CANCELLED
        except grpc.RpcError as error:
            code = error.code()
        self.record("cancel mid-stream", code == grpc.StatusCode.CANCELLED, str(code))
        self.record("serving after the cancel", health_status(self.channels["ingest"]) == 1)

    def concurrent_duplicates(self):
        text = self.text("sixteen callers send this same note at once.")
        request = self.pb["ingest"].SubmitDocumentRequest(text=text)
        with concurrent.futures.ThreadPoolExecutor(16) as pool:
            futures = [pool.submit(self.ingest.SubmitDocument, request, timeout=30,
                                   metadata=self.meta) for _ in range(16)]
            replies, errors = [], []
            for f in futures:
                try:
                    replies.append(f.result())
                except grpc.RpcError as error:
                    errors.append(error.code().name)
        ids = {(r.doc_id, r.position) for r in replies}
        fresh = sum(1 for r in replies if not r.duplicate)
        self.record("16 concurrent duplicates: one document, one fresh answer",
                    not errors and len(ids) == 1 and fresh == 1, f"errors {errors}, ids {ids}, fresh {fresh}")

    def undecodable(self):
        random_bytes = random.Random(17).randbytes(64)
        bodies = {
            "invalid UTF-8 in a string field": b"\x0a\x03\xff\xfe\xfd",
            "wrong wire type": b"\x0d\x01\x02\x03\x04",
            "truncated message": b"\x0a\x40only a few bytes",
            "random bytes": random_bytes,
        }
        invalid = {grpc.StatusCode.INVALID_ARGUMENT}
        for label, body in bodies.items():
            for service, path in [("ingest", "/statecraft.ingest.v1.IngestService/SubmitDocument"),
                                  ("extraction", "/statecraft.extraction.v1.ExtractionService/Extract"),
                                  ("query", "/statecraft.query.v1.QueryService/GetEvent")]:
                self.expect_error(f"{path.rsplit('/', 1)[1]}: {label}",
                                  lambda: self.raw_unary(service, path, body), invalid)
        good = self.pb["ingest"].SubmitDocumentRequest(
            text=self.text("a good note before a broken one.")).SerializeToString()
        method = self.channels["ingest"].stream_unary(
            "/statecraft.ingest.v1.IngestService/SubmitDocuments")
        try:
            raw = method(iter([good, b"\x0a\x03\xff\xfe\xfd"]), timeout=10, metadata=self.meta)
            reply = self.pb["ingest"].SubmitDocumentsResponse.FromString(raw)
            stored = [r for r in reply.results if r.accepted.doc_id]
            ok = len(stored) == 1 and "INVALID_ARGUMENT" in reply.stopped_reason
            self.record("stream: undecodable message after a good one", ok,
                        f"{len(stored)} stored, stop {reply.stopped_reason[:200]!r}")
        except grpc.RpcError as error:
            self.record("stream: undecodable message after a good one", False,
                        f"{error.code().name} {(error.details() or '')[:200]!r}")

    def long_values(self):
        pb = self.pb
        long_id = "e" * 100_000
        self.expect_error("GetEvent with a 100 KB event_id",
                          lambda: self.query.GetEvent(pb["query"].GetEventRequest(event_id=long_id),
                                                      timeout=10, metadata=self.meta),
                          {grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.NOT_FOUND})
        self.expect_error("GetDocument with a 100 KB doc_id",
                          lambda: self.query.GetDocument(pb["query"].GetDocumentRequest(doc_id=long_id),
                                                         timeout=10, metadata=self.meta),
                          {grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.NOT_FOUND})
        q = pb["query"]
        searches = {
            "SearchEvents with a 100 KB actor": q.SearchEventsRequest(filter=q.EventFilter(actor=long_id)),
            "SearchEvents with a 100 KB page_token": q.SearchEventsRequest(page_token=long_id),
            "SearchEvents with a 100 KB date_from": q.SearchEventsRequest(filter=q.EventFilter(date_from=long_id)),
        }
        for label, request in searches.items():
            self.expect_error(label, lambda: self.query.SearchEvents(request, timeout=10, metadata=self.meta),
                              {grpc.StatusCode.INVALID_ARGUMENT})
        self.expect_error("ActorTimeline with a 100 KB actor",
                          lambda: self.query.ActorTimeline(q.ActorTimelineRequest(actor=long_id),
                                                           timeout=10, metadata=self.meta),
                          {grpc.StatusCode.INVALID_ARGUMENT})
        text = self.text("Canada accused Iran of hiding the shipments.")
        cases = {
            "Extract with a 100 KB published": pb["extraction"].ExtractRequest(text=text, published="2" * 100_000),
            "Extract with year 0001": pb["extraction"].ExtractRequest(text=text, published="0001-01-01"),
            "Extract with NUL text": pb["extraction"].ExtractRequest(text="\x00" * 64),
            "Extract with a 100 KB doc_id": pb["extraction"].ExtractRequest(text=text, doc_id="d" * 100_000),
            "Extract with a ../ doc_id": pb["extraction"].ExtractRequest(text=text, doc_id="../../etc/passwd"),
            "Extract with zero-width text": pb["extraction"].ExtractRequest(text="\u200b\u2060\ufeff"),
        }
        for label, request in cases.items():
            self.expect_error(label, lambda: self.extraction.Extract(request, timeout=10, metadata=self.meta),
                              {grpc.StatusCode.INVALID_ARGUMENT})
        self.expect_error("Reprocess with long doc_ids",
                          lambda: self.extraction.Reprocess(
                              pb["extraction"].ReprocessRequest(doc_ids=["f" * 5000] * 200),
                              timeout=10, metadata=self.meta),
                          {grpc.StatusCode.INVALID_ARGUMENT})
        for field, value in [("url", "https://example.org/" + "p" * 100_000),
                             ("title", "T" * 100_000), ("source", "S" * 100_000),
                             ("language", "l" * 100_000)]:
            request = pb["ingest"].SubmitDocumentRequest(text=text, **{field: value})
            self.expect_error(f"SubmitDocument with a 100 KB {field}",
                              lambda: self.ingest.SubmitDocument(request, timeout=10, metadata=self.meta),
                              {grpc.StatusCode.INVALID_ARGUMENT})

    def text_identity(self):
        pb = self.pb
        for label, text in {"zero-width only": "\u200b\u200c\u200d",
                            "BOMs only": "\ufeff\ufeff\ufeff",
                            "word joiners and spaces": " \u2060 \u2060 \t",
                            "NULs only": "\x00\x00\x00"}.items():
            self.expect_error(f"SubmitDocument with {label}",
                              lambda: self.ingest.SubmitDocument(pb["ingest"].SubmitDocumentRequest(text=text),
                                                                 timeout=10, metadata=self.meta),
                              {grpc.StatusCode.INVALID_ARGUMENT})
        base = self.text("The minister of Chile met the envoy of Ghana in Quito.")
        first = self.ingest.SubmitDocument(pb["ingest"].SubmitDocumentRequest(text=base),
                                           timeout=10, metadata=self.meta)
        variants = {
            "leading space": " " + base,
            "doubled spaces": base.replace(" ", "  "),
            "tabs": base.replace(" ", "\t"),
            "NBSP": base.replace(" ", "\u00a0"),
            "BOM and zero-width": "\ufeff" + base.replace("envoy", "en\u200bvoy"),
            "NFD": unicodedata.normalize("NFD", base.replace("Quito", "Quitó")),
        }
        accented = self.ingest.SubmitDocument(
            pb["ingest"].SubmitDocumentRequest(text=unicodedata.normalize("NFC", base.replace("Quito", "Quitó"))),
            timeout=10, metadata=self.meta)
        for label, text in variants.items():
            expected = accented.doc_id if label == "NFD" else first.doc_id
            reply = self.ingest.SubmitDocument(pb["ingest"].SubmitDocumentRequest(text=text),
                                               timeout=10, metadata=self.meta)
            self.record(f"same text with {label} is the same document",
                        reply.doc_id == expected and reply.duplicate, f"{reply.doc_id} vs {expected}")

    def per_document_codes(self):
        pb = self.pb
        docs = [pb["ingest"].SubmitDocumentRequest(text=self.text("fine.")),
                pb["ingest"].SubmitDocumentRequest(text="\u200b")]
        reply = self.ingest.SubmitDocuments(iter(docs), timeout=10, metadata=self.meta)
        codes = [r.error_code for r in reply.results if r.error_code]
        self.record("per-document error code is canonical", codes == ["INVALID_ARGUMENT"], str(codes))
        self.record("per-document message under 1 KB",
                    all(len(r.error_message) < MAX_MESSAGE for r in reply.results))

    def auth_reflection_subscribe(self):
        pb = self.pb
        request = pb["ingest"].SubmitDocumentRequest(text=self.text("auth check."))
        for scheme in ["Bearer", "bearer", "BEARER"]:
            try:
                self.ingest.SubmitDocument(request, timeout=10,
                                           metadata=[("authorization", f"{scheme} {TOKEN}")])
                self.record(f"auth scheme {scheme!r} accepted", True)
            except grpc.RpcError as error:
                self.record(f"auth scheme {scheme!r} accepted", False, error.code().name)
        self.expect_error("wrong token", lambda: self.ingest.SubmitDocument(
            request, timeout=10, metadata=[("authorization", "bearer nope")]),
            {grpc.StatusCode.UNAUTHENTICATED})
        own = {"ingest": "statecraft.ingest.v1.IngestService",
               "extraction": "statecraft.extraction.v1.ExtractionService",
               "query": "statecraft.query.v1.QueryService"}
        for port, service in own.items():
            try:
                listed = reflection_services(self.channels[port])
            except grpc.RpcError as error:
                self.record(f"reflection on the {port} port", False, error.code().name)
                continue
            others = [s for s in listed if s.startswith("statecraft.") and s != service]
            self.record(f"reflection on the {port} port lists only its service",
                        service in listed and not others, str(listed))

        def subscribe_far_ahead():
            replies = self.query.Subscribe(pb["query"].SubscribeRequest(after_position=10**15),
                                           timeout=5, metadata=self.meta)
            next(iter(replies))

        self.expect_error("Subscribe from far past the head", subscribe_far_ahead,
                          {grpc.StatusCode.OUT_OF_RANGE, grpc.StatusCode.INVALID_ARGUMENT})

    def health_after_restart(self):
        """After a restart, query is NOT_SERVING until its read model has replayed the log."""
        stats = self.query.GetStats(pb_query(self.pb).GetStatsRequest(), timeout=30, metadata=self.meta)
        head = stats.position
        for channel in self.channels.values():
            channel.close()
        self.server.stop()
        self.server.start()
        self.channels = {name: self.server.channel(name) for name in self.server.ports}
        self.query = self.pb["query_grpc"].QueryServiceStub(self.channels["query"])
        self.ingest = self.pb["ingest_grpc"].IngestServiceStub(self.channels["ingest"])
        self.extraction = self.pb["extraction_grpc"].ExtractionServiceStub(self.channels["extraction"])
        deadline = time.monotonic() + 120
        serving = False
        while time.monotonic() < deadline:
            try:
                if health_status(self.channels["query"], timeout=1) == 1:
                    serving = True
                    break
            except grpc.RpcError:
                pass
            time.sleep(0.01)
        if not serving:
            self.record("query SERVING after restart", False, "not within 120 s")
            return
        after = self.query.GetStats(pb_query(self.pb).GetStatsRequest(), timeout=30, metadata=self.meta)
        self.record("query SERVING only once replayed", after.position >= head,
                    f"serving at position {after.position}, head before restart {head}")


def pb_query(pb):
    return pb["query"]


def wait_serving(server, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            raise SystemExit(f"statecraft serve exited with {server.proc.returncode}")
        ready = 0
        for name in server.ports:
            try:
                with server.channel(name) as channel:
                    ready += health_status(channel, timeout=1) == 1
            except grpc.RpcError:
                pass
        if ready == len(server.ports):
            return
        time.sleep(0.2)
    raise SystemExit("statecraft serve did not become SERVING")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--statecraft", required=True)
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    parser.add_argument("--bulk", type=int, default=200_000, help="documents in the bulk stream")
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="statecraft-interop-")
    started = time.monotonic()
    os.makedirs(os.path.join(work, "stubs"))
    generate_stubs(os.path.join(work, "stubs"))
    import importlib

    pb = {
        "ingest": importlib.import_module("statecraft.ingest.v1.ingest_pb2"),
        "ingest_grpc": importlib.import_module("statecraft.ingest.v1.ingest_pb2_grpc"),
        "extraction": importlib.import_module("statecraft.extraction.v1.extraction_pb2"),
        "extraction_grpc": importlib.import_module("statecraft.extraction.v1.extraction_pb2_grpc"),
        "query": importlib.import_module("statecraft.query.v1.query_pb2"),
        "query_grpc": importlib.import_module("statecraft.query.v1.query_pb2_grpc"),
    }
    server = Server(os.path.abspath(args.statecraft), work)
    server.start()
    suite = None
    try:
        wait_serving(server)
        suite = Suite(server, pb)
        probes = [
            suite.undecodable, suite.long_values, suite.text_identity, suite.per_document_codes,
            suite.auth_reflection_subscribe, suite.concurrent_duplicates, suite.size_limits,
            suite.deadlines_and_cancel,
            lambda: suite.bulk_stream(args.bulk, 0, "tiny"),
            lambda: suite.bulk_stream(10_000, 270, "270-byte"),
            suite.concurrent_bulk,
            suite.mid_stream_failure, suite.health_after_restart,
        ]
        for probe in probes:
            try:
                probe()
            except grpc.RpcError as error:
                suite.record(getattr(probe, "__name__", "probe"), False,
                             f"unexpected {error.code().name} {(error.details() or '')[:200]!r}")
        alive = server.proc.poll() is None
        suite.record("server still running at the end", alive)
    finally:
        server.stop()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"work directory kept: {work}")
    failed = len(suite.failed) if suite else 1
    print(f"interop: {time.monotonic() - started:.0f} s")
    print(f"{suite.passed if suite else 0} passed, {failed} failed")
    if suite and suite.failed:
        print("failed: " + "; ".join(suite.failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
