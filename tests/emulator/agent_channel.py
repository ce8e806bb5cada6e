"""The agent side of the ECS Exec data channel, for the test emulator (moto_shim.py).

ExecuteCommand (answered by the shim) opens a session here.  The client then connects a
WebSocket to the session's streamUrl, with scheme and authority pointed at this server's
loopback port, and this module answers as the service and the SSM agent in the container
do for ECS Exec (the InteractiveCommands plugin), using the wire protocol of
docs/probe-protocol.md.  Behaviours are set per world or per task through the shim's control
API; tests/emulator/README.md lists them.

Only `ChannelServer.start` needs the `websockets` package.  The rest (sessions, wire format,
encryption) works without it, so the shim still answers ExecuteCommand when it is missing.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import queue
import re
import secrets
import shlex
import socket
import string
import struct
import threading
import time
import uuid
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

# --------------------------------------------------------------------------- wire format
HEADER_LENGTH = 116  # the offset of PayloadLength; the payload starts 4 bytes later
HEADER = struct.Struct(">I32sIQqQ16s32sII")  # big-endian, 120 bytes
INPUT_STREAM = "input_stream_data"
OUTPUT_STREAM = "output_stream_data"
ACKNOWLEDGE = "acknowledge"
CHANNEL_CLOSED = "channel_closed"

OUTPUT, SIZE = 1, 3
HANDSHAKE_REQUEST, HANDSHAKE_RESPONSE, HANDSHAKE_COMPLETE = 5, 6, 7
ENC_CHALLENGE_REQUEST, ENC_CHALLENGE_RESPONSE = 8, 9
STDERR, EXIT_CODE = 11, 12
ENCRYPTED_AGENT_TYPES = (OUTPUT, STDERR, EXIT_CODE)  # what the agent encrypts
ENCRYPTED_CLIENT_TYPES = (OUTPUT,)                   # what the client encrypts
ACTION_SUCCESS = 1

# --------------------------------------------------------------------------- agent constants
AGENT_VERSION = "3.3.1142.0"
PAYLOAD_CHUNK = 1024         # the agent's largest stream payload
RESEND_AFTER = 1.0           # the agent's retransmission timeout (its ceiling; real: 200 ms to 1 s)
ACK_GRACE = 2.0              # how long the agent waits for acks before it ends
CLIENT_CLOSE_GRACE = 5.0     # after channel_closed, how long to wait for the client to close
OPEN_TIMEOUT = 30.0          # how long a new connection may take to send the open message
ERROR_BANNER = "\n----------ERROR-------\n"
KMS_MESSAGE = "This session is encrypted using AWS KMS."
HANDSHAKE_TIMED_OUT = ("Handshake timed out. Please ensure that you have the latest version "
                       "of the session manager plugin.")
CHALLENGE_TIMED_OUT = "Timed out waiting for encryption challenge."
BEHAVIOURS = ("ok", "agent_error", "stall", "drop", "bad_token")
DEFAULT_SETTINGS = {"behaviour": "ok", "output": None, "error": None,
                    "targetConnected": True, "handshakeTimeout": 15.0}
CHANNEL_PATH = re.compile(r"/v1/data-channel/([^/]+)")


class ProtocolError(ValueError):
    """A client message that breaks docs/probe-protocol.md."""


@dataclass
class Message:
    message_type: str
    payload: bytes = b""
    payload_type: int = 0
    sequence_number: int = 0
    flags: int = 0
    message_id: uuid.UUID = field(default_factory=uuid.uuid4)
    created_date: int = field(default_factory=lambda: int(time.time() * 1000))
    schema_version: int = 1


def encode(message):
    """Message -> the binary frame (MessageType space-padded, UUID halves swapped)."""
    kind = message.message_type.encode("ascii").ljust(32, b" ")
    raw_id = message.message_id.bytes
    return HEADER.pack(HEADER_LENGTH, kind, message.schema_version, message.created_date,
                       message.sequence_number, message.flags, raw_id[8:] + raw_id[:8],
                       hashlib.sha256(message.payload).digest(), message.payload_type,
                       len(message.payload)) + message.payload


def decode(frame):
    """The binary frame -> Message; strict about every header field the client sets."""
    if len(frame) < HEADER.size:
        raise ProtocolError(f"a message of {len(frame)} bytes is shorter than the 120-byte header")
    (header_length, kind, schema_version, created, sequence, flags, wire_id, digest,
     payload_type, payload_length) = HEADER.unpack_from(frame)
    if header_length != HEADER_LENGTH:
        raise ProtocolError(f"HeaderLength is {header_length}, expected 116")
    payload = frame[header_length + 4:]
    message_type = kind.strip(b" \x00").decode("ascii", "replace")
    if payload_length != len(payload):
        raise ProtocolError(f"PayloadLength is {payload_length} but {len(payload)} payload bytes follow")
    if not message_type:
        raise ProtocolError("MessageType is empty")
    if schema_version != 1:
        raise ProtocolError(f"SchemaVersion is {schema_version}, expected 1")
    if created == 0:
        raise ProtocolError("CreatedDate is 0")
    if hashlib.sha256(payload).digest() != digest:
        raise ProtocolError(f"PayloadDigest of {message_type} seq {sequence} "
                            "is not the SHA-256 of its payload")
    return Message(message_type, payload, payload_type, sequence, flags,
                   uuid.UUID(bytes=wire_id[8:] + wire_id[:8]), created, schema_version)


def to_json(value):
    """Compact JSON bytes, as Go's encoding/json writes them."""
    return json.dumps(value, separators=(",", ":")).encode()


def b64(data):
    return base64.b64encode(data).decode()


def b64decode(text):
    return base64.b64decode(text or "", validate=True)


class SessionCipher:
    """AES-256-GCM with the agent's halves of the 64-byte data key: the agent encrypts with
    bytes 0..32 and decrypts with bytes 32..64 (the client the other way round).  A
    ciphertext is the 12-byte nonce, then the GCM ciphertext and its 16-byte tag."""

    def __init__(self, data_key):
        self.sealer, self.opener = AESGCM(data_key[:32]), AESGCM(data_key[32:])

    def encrypt(self, plaintext):
        nonce = os.urandom(12)
        return nonce + self.sealer.encrypt(nonce, plaintext, None)

    def decrypt(self, blob):
        return self.opener.decrypt(blob[:12], blob[12:], None)


# --------------------------------------------------------------------------- what ECS hands out
def new_session_id():
    alphabet = string.ascii_lowercase + string.digits
    return "ecs-execute-command-" + "".join(secrets.choice(alphabet) for _ in range(26))


def opaque_token(size):
    """Base64 like the service's tokens and cell numbers (raw `+`, `/` and `=` included)."""
    return b64(b"\x00\x01\x00\x01" + os.urandom(size))


def stream_url(region, session_id):
    domain = "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"
    return (f"wss://ssmmessages.{region}.{domain}/v1/data-channel/{session_id}"
            f"?role=publish_subscribe&cell-number={opaque_token(86)}")


def echo_output(command):
    """What the command prints through a pty when the emulator can tell: `echo ARGS`
    (`-n` understood), or a `sh -c`/`bash -c` script of such echoes joined by `;`, `&&`
    or newlines.  Anything else prints nothing."""
    try:
        argv = shlex.split(command or "")
    except ValueError:
        return ""
    if len(argv) >= 3 and os.path.basename(argv[0]) in ("sh", "bash", "ash", "dash") \
            and argv[1] in ("-c", "-lc"):
        return "".join(echo_output(part) for part in re.split(r";|&&|\n", argv[2]))
    if not argv or os.path.basename(argv[0]) != "echo":
        return ""
    words, end = argv[1:], "\r\n"
    if words[:1] == ["-n"]:
        words, end = words[1:], ""
    return " ".join(words) + end


def start_failure(command):
    """The agent's error when the pty cannot start the command (no such executable)."""
    try:
        program = (shlex.split(command or "") or [""])[0]
    except ValueError:
        program = (command or "").split(" ")[0]
    if program.startswith("/"):
        reason = f"fork/exec {program}: no such file or directory"
    else:
        reason = f'exec: "{program}": executable file not found in $PATH'
    return f"Unable to start command: Failed to start pty: {reason}\n"


def output_chunks(text):
    """UTF-8 text cut into payloads of at most 1024 bytes, on character boundaries."""
    data, chunks = text.encode("utf-8"), []
    while data:
        cut = min(PAYLOAD_CHUNK, len(data))
        while cut < len(data) and (data[cut] & 0xC0) == 0x80:
            cut -= 1
        chunks.append(data[:cut])
        data = data[cut:]
    return chunks


# --------------------------------------------------------------------------- sessions
@dataclass
class ExecSession:
    session_id: str
    token: str
    stream_url: str
    account: str
    region: str
    cluster: str
    task_id: str
    task_arn: str
    container: str
    target_id: str  # ecs:<cluster>_<task id>_<container runtime id>
    command: str
    kms_key_id: str | None
    opened_at: float = field(default_factory=lambda: round(time.time(), 3))
    terminated_at: float | None = None
    connections: list = field(default_factory=list)  # one record per data-channel connection

    def view(self):
        return {"sessionId": self.session_id, "tokenValue": self.token, "streamUrl": self.stream_url,
                "cluster": self.cluster, "task": self.task_id, "taskArn": self.task_arn,
                "container": self.container, "targetId": self.target_id, "command": self.command,
                "kmsKeyId": self.kms_key_id, "openedAt": self.opened_at,
                "terminatedAt": self.terminated_at,
                "connections": json.loads(json.dumps(self.connections))}


class Registry:
    """Sessions opened and terminated, and the channel settings of the world and its tasks."""

    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        with self.lock:
            self.sessions = {}      # session id -> ExecSession
            self.terminated = []    # SessionId of every TerminateSession call, in order
            self.settings = {None: dict(DEFAULT_SETTINGS)}  # task id (None: the world) -> settings

    def open(self, **fields):
        session_id = new_session_id()
        session = ExecSession(session_id=session_id, token=opaque_token(960),
                              stream_url=stream_url(fields["region"], session_id), **fields)
        with self.lock:
            self.sessions[session_id] = session
        return session

    def by_token(self, token):
        with self.lock:
            return next((s for s in self.sessions.values() if s.token == token), None)

    def terminate(self, session_id):
        with self.lock:
            self.terminated.append(session_id)
            session = self.sessions.get(session_id)
            if session is not None and session.terminated_at is None:
                session.terminated_at = round(time.time(), 3)

    def settings_for(self, task_id):
        with self.lock:
            return {**self.settings[None], **self.settings.get(task_id, {})}

    def configure(self, body):
        """Apply a POST /_shim/channel body; returns an error text, or None."""
        problem = settings_problem(body)
        if problem:
            return problem
        task = body.get("task")
        with self.lock:
            target = self.settings.setdefault(task.rsplit("/", 1)[-1] if task else None, {})
            target.update({k: v for k, v in body.items() if k != "task"})
        return None

    def view(self):
        with self.lock:
            return {"sessions": [s.view() for s in self.sessions.values()],
                    "terminated": list(self.terminated)}

    def settings_view(self):
        with self.lock:
            return {"settings": dict(self.settings[None]),
                    "tasks": {k: dict(v) for k, v in self.settings.items() if k is not None}}


def settings_problem(body):
    """What is wrong with a POST /_shim/channel body, or None."""
    checks = {
        "task": lambda v: isinstance(v, str) and v,
        "behaviour": lambda v: v in BEHAVIOURS,
        "output": lambda v: v is None or isinstance(v, str),
        "error": lambda v: v is None or isinstance(v, str),
        "targetConnected": lambda v: isinstance(v, bool),
        "handshakeTimeout": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool)
        and 0 < v <= 60,
    }
    for key, value in body.items():
        if key not in checks:
            return f"unknown key {key!r}; expected some of {', '.join(checks)}"
        if not checks[key](value):
            return (f"bad {key}: {value!r} (behaviour is one of {', '.join(BEHAVIOURS)}; "
                    "handshakeTimeout is 0 < seconds <= 60)")
    return None


# --------------------------------------------------------------------------- the server
class ChannelServer:
    """A WebSocket server on its own loopback port; each connection is one Conversation.
    `decrypt_data_key(session, ciphertext, context)` decrypts the client's data key the way
    the agent's kms:Decrypt would (the shim does it in moto)."""

    def __init__(self, registry, decrypt_data_key):
        self.registry, self.decrypt_data_key, self.server = registry, decrypt_data_key, None

    def start(self, host="127.0.0.1"):
        from websockets.sync.server import serve  # only the server needs the package

        self.server = serve(self.handle, host, 0, process_request=self.check_path,
                            compression=None, ping_interval=None, max_size=None)
        threading.Thread(target=self.server.serve_forever, name="agent-channel", daemon=True).start()

    @property
    def endpoint(self):
        host, port = self.server.socket.getsockname()[:2]
        return f"ws://[{host}]:{port}" if ":" in host else f"ws://{host}:{port}"

    @staticmethod
    def check_path(connection, request):
        """Only /v1/data-channel/<sessionId>?role=publish_subscribe&cell-number=… upgrades."""
        parts = urlsplit(request.path)
        if not CHANNEL_PATH.fullmatch(parts.path):
            return connection.respond(404, "expected /v1/data-channel/<sessionId>\n")
        query = parse_qs(parts.query, keep_blank_values=True)
        if query.get("role") != ["publish_subscribe"] or "cell-number" not in query:
            return connection.respond(400, "expected ?role=publish_subscribe&cell-number=…\n")
        return None

    def handle(self, connection):
        Conversation(self.registry, connection, self.decrypt_data_key).run()


class ClientGone(Exception):
    """The client closed the WebSocket, or the connection broke."""


class SessionTerminated(Exception):
    """TerminateSession arrived while the channel was open."""


class Conversation:
    """One data-channel connection, answered as the service and the agent would."""

    def __init__(self, registry, connection, decrypt_data_key):
        self.registry, self.connection, self.decrypt_data_key = registry, connection, decrypt_data_key
        self.events = queue.Queue()  # ("frame", data) | ("closed", None), from the reader thread
        self.session = None
        self.record = {"state": "connecting", "connectedAt": round(time.time(), 3)}
        self.cipher = None
        self.next_sequence, self.unacked, self.sent_ids = 0, {}, {}
        self.expected, self.buffered = 0, {}
        self.replies = {}     # payload type -> the client's handshake answer (parsed JSON)
        self.silent = False   # stalled or ended: read frames, answer nothing
        self.ending = False   # channel_closed sent: TerminateSession no longer matters

    # ---- top level
    def run(self):
        try:
            self.session = self.accept_open()
            if self.session is None:
                return
            threading.Thread(target=self.read_frames, name="agent-channel-reader", daemon=True).start()
            self.converse(self.registry.settings_for(self.session.task_id))
        except ClientGone:
            self.note(state="abandoned" if self.record["state"] == "open" else self.record["state"])
        finally:
            self.note(endedAt=round(time.time(), 3), unacked=sorted(self.unacked))

    def converse(self, settings):
        behaviour = settings["behaviour"]
        self.note(behaviour=behaviour)
        try:
            if behaviour == "stall":  # answers nothing, until the client or TerminateSession ends it
                self.silent = True
                self.pump(lambda: False, float("inf"))
                return None
            if self.session.kms_key_id:
                failure = self.kms_handshake(settings["handshakeTimeout"])
                if failure:
                    return self.close_channel(
                        ERROR_BANNER + "Encountered error while initiating handshake. " + failure)
            if behaviour == "agent_error":
                error = settings["error"]
                return self.close_channel(
                    ERROR_BANNER + (start_failure(self.session.command) if error is None else error))
            output = settings["output"]
            chunks = output_chunks(echo_output(self.session.command) if output is None else output)
            if behaviour == "drop":
                return self.drop(chunks[:1])
            for chunk in chunks:
                self.send_stream(OUTPUT, chunk)
            self.pump(lambda: not self.unacked, ACK_GRACE)
            return self.close_channel("")
        except SessionTerminated:
            return self.close_channel("")

    # ---- opening
    def accept_open(self):
        """Read and check the open-data-channel message; returns the session, or None after
        refusing the connection."""
        from websockets.exceptions import ConnectionClosed

        wanted = CHANNEL_PATH.fullmatch(urlsplit(self.connection.request.path).path).group(1)
        try:
            first = self.connection.recv(timeout=OPEN_TIMEOUT)
        except TimeoutError:
            return self.refuse(None, 1008, f"Channel {wanted}: no request to open the data channel.")
        except ConnectionClosed:
            return None
        request = parse_open(first)
        if not request.get("TokenValue"):
            return self.refuse(None, 1003,
                               f"Channel {wanted}: request to open data channel does not contain token.")
        session = self.registry.by_token(request["TokenValue"])
        if session is None or session.session_id != wanted or session.terminated_at is not None \
                or self.registry.settings_for(session.task_id)["behaviour"] == "bad_token":
            return self.refuse(session, 1008, f"Channel {wanted}: token is not valid.")
        missing = [k for k in ("MessageSchemaVersion", "RequestId", "ClientId", "ClientVersion")
                   if not isinstance(request.get(k), str) or not request[k]]
        if missing:
            return self.refuse(session, 1003, f"Channel {wanted}: request to open data channel "
                                              f"does not contain {missing[0]}.")
        if request["MessageSchemaVersion"] != "1.0" or len(request["RequestId"]) < 16:
            return self.refuse(session, 1003,
                               f"Channel {wanted}: request to open data channel is not valid.")
        self.attach(session, state="open", clientId=request["ClientId"],
                    clientVersion=request["ClientVersion"], requestId=request["RequestId"])
        return session

    def refuse(self, session, code, reason):
        """Close the connection as the service does when it will not open the channel."""
        reason = reason.encode()[:123].decode("utf-8", "ignore")  # a close reason's limit
        if session is not None:
            self.attach(session, state="refused", closeCode=code, closeReason=reason)
        self.connection.close(code, reason)
        return None

    def attach(self, session, **values):
        with self.registry.lock:
            self.record.update(values, sent=[], acked=[], inputs=[], duplicates=0, resent=0,
                               problems=[], encrypted=False)
            session.connections.append(self.record)

    # ---- the KMS handshake
    def kms_handshake(self, timeout):
        """HandshakeRequest, data key, encryption challenge, HandshakeComplete.  Returns the
        agent's failure text, or None."""
        started, challenge = time.monotonic(), b64(os.urandom(16))
        request = handshake_request(self.session.kms_key_id, challenge)
        self.send_stream(HANDSHAKE_REQUEST, to_json(request))
        if not self.pump(lambda: HANDSHAKE_RESPONSE in self.replies, timeout):
            return HANDSHAKE_TIMED_OUT
        failure = self.apply_handshake_response(self.replies[HANDSHAKE_RESPONSE], challenge)
        if failure:
            return failure
        failure = self.encryption_challenge(timeout)
        if failure:
            return failure
        took = int((time.monotonic() - started) * 1e9)  # a Go time.Duration: nanoseconds
        self.send_stream(HANDSHAKE_COMPLETE, to_json({"HandshakeTimeToComplete": took,
                                                      "CustomerMessage": KMS_MESSAGE}))
        return None

    def apply_handshake_response(self, response, challenge):
        """Like the agent: every action must have succeeded; the last failure is reported."""
        actions = response.get("ProcessedClientActions") if isinstance(response, dict) else None
        if not isinstance(actions, list):
            return "Unmarshalling of HandshakeResponse message failed"
        self.note(handshakeResponse=response)
        failure, kms_done = None, False
        for action in (a for a in actions if isinstance(a, dict)):
            kind, status = action.get("ActionType"), action.get("ActionStatus")
            if status != ACTION_SUCCESS:
                error = action.get("Error") or ""
                failure = f"{kind} failed on client with status {status or 0} error: {error}"
            elif kind == "KMSEncryption":
                kms_done = True
                failure = self.set_data_key(action.get("ActionResult"), challenge) or failure
        if failure is None and not kms_done:
            failure = "KMSEncryption was not processed by the client"
        return failure

    def set_data_key(self, result, challenge):
        """Decrypt the client's data key with the agent's encryption context."""
        result = result if isinstance(result, dict) else {}
        context = {"aws:ssm:SessionId": self.session.session_id,
                   "aws:ssm:TargetId": self.session.target_id}
        acknowledged = result.get("ChallengeAcknowledgement") is True
        if acknowledged:
            context["aws:ssm:RandomChallenge"] = challenge
        self.note(challengeAcknowledged=acknowledged)
        try:
            data_key = self.decrypt_data_key(self.session, b64decode(result.get("KMSCipherTextKey")), context)
        except (binascii.Error, TypeError, ValueError):
            return ("Fetching data key failed: Unable to retrieve data key, Error when decrypting "
                    "data key InvalidCiphertextException: ")
        except Exception as e:  # moto's KMS errors
            kind = getattr(e, "error_type", type(e).__name__)
            return ("Fetching data key failed: Unable to retrieve data key, Error when decrypting "
                    f"data key {kind}: {getattr(e, 'message', '') or ''}")
        if len(data_key) != 64:
            return f"Fetching data key failed: the data key has {len(data_key)} bytes, not 64"
        self.cipher = SessionCipher(data_key)
        self.note(encrypted=True)
        return None

    def encryption_challenge(self, timeout):
        """64 random bytes encrypted with the agent's key; the client must send them back
        encrypted with its own.  On a wrong answer the agent says nothing until its wait
        runs out, then reports the timeout."""
        plain, sent_at = os.urandom(64), time.monotonic()
        self.send_stream(ENC_CHALLENGE_REQUEST, to_json({"Challenge": b64(self.cipher.encrypt(plain))}))
        if not self.pump(lambda: ENC_CHALLENGE_RESPONSE in self.replies, timeout):
            return CHALLENGE_TIMED_OUT
        problem = self.challenge_problem(self.replies[ENC_CHALLENGE_RESPONSE], plain)
        if problem:
            self.note(challengeError=problem)
            self.pump(lambda: False, timeout - (time.monotonic() - sent_at))
            return CHALLENGE_TIMED_OUT
        return None

    def challenge_problem(self, reply, plain):
        try:
            answer = self.cipher.decrypt(b64decode(reply.get("Challenge")))
        except (AttributeError, binascii.Error, TypeError, ValueError, InvalidTag):
            return "Error decrypting encrypted text, cipher: message authentication failed"
        return None if answer == plain else "Encryption challenge does not match!"

    # ---- sending
    def send(self, frame):
        from websockets.exceptions import ConnectionClosed

        try:
            self.connection.send(frame)
        except ConnectionClosed:
            raise ClientGone() from None

    def send_stream(self, payload_type, payload):
        """One output_stream_data message, kept until acked (and resent meanwhile)."""
        if self.cipher and payload_type in ENCRYPTED_AGENT_TYPES:
            payload = self.cipher.encrypt(payload)
        sequence = self.next_sequence
        message = Message(OUTPUT_STREAM, payload, payload_type, sequence, 1 if sequence == 0 else 0)
        frame = encode(message)
        self.send(frame)
        self.unacked[sequence] = [frame, time.monotonic()]
        self.sent_ids[sequence] = str(message.message_id)
        self.next_sequence += 1
        self.append("sent", {"sequenceNumber": sequence, "payloadType": payload_type})

    def ack(self, message):
        content = {"AcknowledgedMessageType": message.message_type,
                   "AcknowledgedMessageId": str(message.message_id),
                   "AcknowledgedMessageSequenceNumber": message.sequence_number,
                   "IsSequentialMessage": True}
        self.send(encode(Message(ACKNOWLEDGE, to_json(content), flags=3)))

    def resend_due(self):
        """The agent resends the oldest unacked message once it has waited too long."""
        if not self.unacked or self.silent:
            return
        oldest = self.unacked[min(self.unacked)]
        if time.monotonic() - oldest[1] > RESEND_AFTER:
            self.send(oldest[0])
            oldest[1] = time.monotonic()
            self.bump("resent")

    # ---- ending
    def close_channel(self, output):
        """channel_closed with the agent's result text, then wait for the client to close."""
        self.silent = self.ending = True
        content = {"MessageId": str(uuid.uuid4()), "CreatedDate": str(int(time.time() * 1000)),
                   "DestinationId": self.session.target_id, "SessionId": self.session.session_id,
                   "MessageType": CHANNEL_CLOSED, "SchemaVersion": 1, "Output": output}
        self.send(encode(Message(CHANNEL_CLOSED, to_json(content), flags=3)))
        self.note(state="closed", channelClosedOutput=output)
        try:
            self.pump(lambda: False, CLIENT_CLOSE_GRACE)
        except ClientGone:
            return
        self.connection.close(1000)

    def drop(self, chunks):
        """Send some output, then end the TCP stream without a close frame or
        channel_closed (FIN only, so that the output sent still arrives)."""
        for chunk in chunks:
            self.send_stream(OUTPUT, chunk)
        self.pump(lambda: not self.unacked, ACK_GRACE)
        self.silent = self.ending = True
        self.note(state="dropped")
        try:
            self.connection.socket.shutdown(socket.SHUT_WR)
            self.pump(lambda: False, CLIENT_CLOSE_GRACE)
        except (OSError, ClientGone):
            pass

    # ---- receiving
    def read_frames(self):
        try:
            while True:
                self.events.put(("frame", self.connection.recv()))
        except Exception:  # ConnectionClosed, or the socket shut under it
            pass
        finally:
            self.events.put(("closed", None))

    def pump(self, done, timeout):
        """Handle client frames and resends until done() (True) or the timeout (False)."""
        deadline = time.monotonic() + timeout
        while not done():
            if self.session.terminated_at is not None and not self.ending:
                raise SessionTerminated()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            try:
                kind, frame = self.events.get(timeout=min(0.05, remaining))
            except queue.Empty:
                pass
            else:
                if kind == "closed":
                    raise ClientGone()
                self.take_frame(frame)
            self.resend_due()
        return True

    def take_frame(self, frame):
        if isinstance(frame, str):
            return self.problem("a text frame after the open message")
        try:
            message = decode(frame)
        except ProtocolError as e:
            return self.problem(str(e))
        if self.silent:
            return None
        if message.message_type == ACKNOWLEDGE:
            return self.take_ack(message)
        if message.message_type == INPUT_STREAM:
            return self.take_input(message)
        return self.problem(f"unexpected MessageType {message.message_type!r} from the client")

    def take_ack(self, message):
        try:
            content = json.loads(message.payload)
            sequence = content["AcknowledgedMessageSequenceNumber"]
            if not isinstance(sequence, int):
                raise TypeError(sequence)
        except (ValueError, KeyError, TypeError):
            return self.problem("an acknowledge whose payload is not an acknowledgement: "
                                f"{message.payload[:200]!r}")
        expected = {"AcknowledgedMessageType": OUTPUT_STREAM,
                    "AcknowledgedMessageId": self.sent_ids.get(sequence), "IsSequentialMessage": True}
        wrong = [k for k, v in expected.items() if content.get(k) != v]
        if wrong:
            self.problem(f"the acknowledge of seq {sequence} has wrong {', '.join(wrong)}: {content}")
        if self.unacked.pop(sequence, None) is not None:
            self.append("acked", sequence)
        return None

    def take_input(self, message):
        """In order: process and ack; ahead: buffer and ack; behind (a resend): ack again."""
        sequence = message.sequence_number
        if sequence == self.expected:
            self.process_input(message)
            self.ack(message)
            self.expected += 1
            while self.expected in self.buffered:
                self.process_input(self.buffered.pop(self.expected))
                self.expected += 1
        elif sequence > self.expected:
            self.buffered[sequence] = message
            self.ack(message)
        else:
            self.bump("duplicates")
            self.ack(message)

    def process_input(self, message):
        payload, payload_type = message.payload, message.payload_type
        self.append("inputs", {"sequenceNumber": message.sequence_number, "payloadType": payload_type})
        if self.cipher and payload_type in ENCRYPTED_CLIENT_TYPES:
            try:
                payload = self.cipher.decrypt(payload)
            except (InvalidTag, ValueError):
                return self.problem(f"input seq {message.sequence_number} does not decrypt "
                                    "with the client's key")
        if payload_type in (HANDSHAKE_RESPONSE, ENC_CHALLENGE_RESPONSE, SIZE):
            try:
                parsed = json.loads(payload)
            except ValueError:
                return self.problem(f"payload type {payload_type} is not JSON: {payload[:200]!r}")
            if payload_type == SIZE:
                self.note(size=parsed)
            else:
                self.replies.setdefault(payload_type, parsed)
        return None

    # ---- the connection record (GET /_shim/sessions)
    def note(self, **values):
        with self.registry.lock:
            self.record.update(values)

    def append(self, key, value):
        with self.registry.lock:
            self.record.setdefault(key, []).append(value)

    def bump(self, key):
        with self.registry.lock:
            self.record[key] = self.record.get(key, 0) + 1

    def problem(self, text):
        self.append("problems", text)


def parse_open(frame):
    """The open-data-channel message as a dict ({} when it is not a JSON object text frame)."""
    if not isinstance(frame, str):
        return {}
    try:
        request = json.loads(frame)
    except ValueError:
        return {}
    return request if isinstance(request, dict) else {}


def handshake_request(kms_key_id, challenge):
    return {"AgentVersion": AGENT_VERSION, "RequestedClientActions": [
        {"ActionType": "SessionType",
         "ActionParameters": {"SessionType": "InteractiveCommands", "Properties": None}},
        {"ActionType": "KMSEncryption",
         "ActionParameters": {"KMSKeyId": kms_key_id, "Challenge": challenge}}]}
