# SPDX-License-Identifier: BSD-3-Clause
"""The protocol's OpenRPC document, and checking messages against it.

document() is the copy installed with this package (the daemon's own is
answered by rpc.discover; both come from src/daemon/api/openrpc.json).
Validator(doc) checks an answer to a method (its result, or the error
envelope) and a notification (event, events.overflow); it needs the
jsonschema module (Debian: python3-jsonschema), which nothing else in this
package does."""
import copy
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))


def document(path=None):
    """The OpenRPC document: from path, else the one installed here, else
    the source tree's (running from a checkout)."""
    for p in ([path] if path else [os.path.join(HERE, "openrpc.json"),
                                   os.path.join(HERE, "..", "..", "src", "daemon", "api",
                                                "openrpc.json")]):
        if os.path.exists(p):
            with open(p, encoding="utf-8") as f:
                return json.load(f)
    raise FileNotFoundError("openrpc.json is neither installed with hotplugd nor in a checkout")


class SchemaError(AssertionError):
    """A message that does not match the protocol's document."""


class Validator:
    def __init__(self, doc=None):
        import jsonschema  # only the validation needs it
        self.jsonschema = jsonschema
        self.doc = doc or document()
        self.methods = {m["name"]: m for m in self.doc["methods"]}
        self.notifications = {n["name"]: n for n in self.doc["x-notifications"]}
        self._cache = {}

    def _validator(self, key, schema):
        v = self._cache.get(key)
        if v is None:
            # the components beside the schema, so that its #/components
            # references resolve whatever the jsonschema version
            root = dict(copy.deepcopy(schema), components=self.doc["components"])
            cls = self.jsonschema.validators.validator_for(root, self.jsonschema.Draft7Validator)
            cls.check_schema(root)
            v = self._cache[key] = cls(root)
        return v

    def _check(self, key, schema, value, what):
        errors = sorted(self._validator(key, schema).iter_errors(value), key=lambda e: e.path)
        if errors:
            e = errors[0]
            raise SchemaError(f"{what} does not match openrpc.json: {e.message} at "
                              f"{'/'.join(str(p) for p in e.absolute_path) or '(top)'}:\n"
                              f"{json.dumps(value)[:2000]}")

    def check_response(self, msg, method=None):
        """An answer; its result against method's schema when known."""
        envelope = {"type": "object", "required": ["jsonrpc", "id"],
                    "properties": {"jsonrpc": {"const": "2.0"},
                                   "id": {"type": ["integer", "string", "null"]},
                                   "result": {}, "error": self.doc["x-error"]},
                    "oneOf": [{"required": ["result"]}, {"required": ["error"]}],
                    "additionalProperties": False}
        self._check("envelope", envelope, msg, "answer")
        if "result" in msg and method in self.methods:
            self._check(("result", method), self.methods[method]["result"]["schema"],
                        msg["result"], f"the result of {method}")
        if "error" in msg and method in self.methods:
            codes = {self._error(e)["code"] for e in self.methods[method]["errors"]}
            code = msg["error"]["code"]
            if code not in codes and code != -32700:
                raise SchemaError(f"{method} answered code {code}, which openrpc.json does "
                                  f"not list for it ({sorted(codes)}): {msg}")

    def _error(self, e):
        if "$ref" in e:
            return self.doc["components"]["errors"][e["$ref"].rsplit("/", 1)[1]]
        return e

    def check_notification(self, msg):
        envelope = {"type": "object", "required": ["jsonrpc", "method", "params"],
                    "properties": {"jsonrpc": {"const": "2.0"}, "method": {"type": "string"},
                                   "params": {}}, "additionalProperties": False}
        self._check("notification", envelope, msg, "notification")
        n = self.notifications.get(msg["method"])
        if n is None:
            raise SchemaError(f"notification {msg['method']} is not in openrpc.json: {msg}")
        self._check(("notification", n["name"]), n["params"], msg["params"],
                    f"the params of {n['name']}")

    def check(self, msg, method=None):
        """Either kind (the Client observer's signature)."""
        if isinstance(msg, dict) and "method" in msg and "id" not in msg:
            self.check_notification(msg)
        else:
            self.check_response(msg, method)
