"""Runs Open WebUI functions (pipes, filters, actions) and tools for the server.

The server starts this file with a Python that has pydantic and talks to it in JSON lines:
requests on stdin, answers and events on stdout. User code's own prints go to stderr.

Requests:  {"op": "load"|"call"|"validate"|"format", "id": n, ...}, and {"op": "cancel", "target": n}
Answers:   {"id": n, "ok": value} | {"id": n, "error": "message"}
While a call runs: {"id": n, "chunk": "data: ...\\n\\n"} (streamed pipe output),
{"id": n, "emit": event} (__event_emitter__), {"id": n, "ask": event, "req": m} (__event_call__,
answered by {"op": "reply", "req": m, "result": value}).
"""

import asyncio
import hashlib
import inspect
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import types
import uuid
from typing import Any, get_type_hints

from pydantic import BaseModel, Field, create_model

# The protocol keeps its own copy of stdout; fd 1 itself goes to stderr, so prints of plugins and
# of the programs they start never mix with it.
PROTOCOL = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
os.dup2(2, 1)
sys.stdout = sys.stderr
WRITE_LOCK = threading.Lock()

MODULES = {}  # (kind, name) -> {"hash", "instance", "info"}
INSTALLED = set()
PENDING_ASKS = {}  # req -> Future
RUNNING = {}  # request id -> Task
NEXT_ASK = [0]


def send(message):
    line = json.dumps(message, default=to_json, allow_nan=False)
    with WRITE_LOCK:
        PROTOCOL.write(line + "\n")
        PROTOCOL.flush()


def to_json(value):
    if isinstance(value, BaseModel):
        return value.model_dump()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, (set, tuple)):
        return list(value)
    return str(value)


# ---- open_webui.utils.misc: the message helpers plugins import most (the rest of Open WebUI's
# package is not here) ----


def text_of(message):
    """A message's text: its content, or the first text part of a multi-part content."""
    content = message.get("content")
    if not isinstance(content, list):
        return content
    return next((part["text"] for part in content if part.get("type") == "text"), None)


def last_of(messages, role):
    return next((m for m in reversed(messages) if m["role"] == role), None)


def add_text(message, text, append=True):
    join = (lambda old: f"{old}\n{text}") if append else (lambda old: f"{text}\n{old}")
    if isinstance(message["content"], list):
        for part in message["content"]:
            if part.get("type") == "text":
                part["text"] = join(part["text"])
    else:
        message["content"] = join(message["content"])
    return message


def add_or_update_message(messages, role, index, text, append):
    if messages and messages[index].get("role") == role:
        add_text(messages[index], text, append)
    elif index == 0:
        messages.insert(0, {"role": role, "content": text})
    else:
        messages.append({"role": role, "content": text})
    return messages


def merge_deep(target, changes):
    for key, value in changes.items():
        target[key] = merge_deep(target.get(key, {}), value) if isinstance(value, dict) else value
    return target


def prepend_to_first_user(text, messages):
    first = next((m for m in messages if m["role"] == "user"), None)
    if first is not None:
        add_text(first, text, append=False)
    return messages


def misc_helpers():
    system_of = lambda messages: next((m for m in messages if m["role"] == "system"), None)
    without_system = lambda messages: [m for m in messages if m["role"] != "system"]
    return {
        "deep_update": merge_deep,
        "get_content_from_message": text_of,
        "get_messages_content": lambda messages: "\n".join(f"{m['role'].upper()}: {text_of(m)}" for m in messages),
        "get_last_user_message_item": lambda messages: last_of(messages, "user"),
        "get_last_user_message": lambda messages: text_of(last_of(messages, "user") or {}),
        "get_last_assistant_message_item": lambda messages: last_of(messages, "assistant"),
        "get_last_assistant_message": lambda messages: text_of(last_of(messages, "assistant") or {}),
        "get_system_message": system_of,
        "remove_system_message": without_system,
        "pop_system_message": lambda messages: (system_of(messages), without_system(messages)),
        "update_message_content": add_text,
        "add_or_update_system_message": lambda text, messages, append=False: add_or_update_message(messages, "system", 0, text, append),
        "add_or_update_user_message": lambda text, messages, append=True: add_or_update_message(messages, "user", -1, text, append),
        "prepend_to_first_user_message_content": prepend_to_first_user,
        "openai_chat_chunk_message_template": chunk_template,
        "openai_chat_completion_message_template": completion_template,
    }


def install_open_webui_helpers():
    package = types.ModuleType("open_webui")
    package.__path__ = []
    utils = types.ModuleType("open_webui.utils")
    utils.__path__ = []
    misc = types.ModuleType("open_webui.utils.misc")
    misc.__dict__.update(misc_helpers())
    package.utils, utils.misc = utils, misc
    sys.modules.update({"open_webui": package, "open_webui.utils": utils, "open_webui.utils.misc": misc})


# ---- loading (the same rules as Open WebUI's plugin loader) ----

FRONTMATTER_LINE = re.compile(r"^\s*([a-z_]+):\s*(.*)\s*$", re.IGNORECASE)

def extract_frontmatter(content):
    lines = content.splitlines()
    if not lines or lines[0].strip() != '"""':
        return {}
    found = {}
    for line in lines[1:]:
        if '"""' in line:
            break
        match = FRONTMATTER_LINE.match(line)
        if match:
            key, value = match.groups()
            found[key.strip()] = value.strip()
    return found


def install_requirements(requirements):
    wanted = [r.strip() for r in requirements.split(",") if r.strip()]
    key = ",".join(wanted)
    if not wanted or key in INSTALLED:
        return
    options = os.environ.get("PIP_OPTIONS", "").split()
    index = os.environ.get("PIP_PACKAGE_INDEX_OPTIONS", "").split()
    result = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--disable-pip-version-check", *options, *wanted, *index],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    if result.returncode != 0:
        tail = result.stdout.strip().splitlines()[-1:] or ["pip failed"]
        raise RuntimeError(f"Could not install {', '.join(wanted)}: {tail[0]}")
    INSTALLED.add(key)


def load_module(kind, name, content):
    frontmatter = extract_frontmatter(content)
    install_requirements(frontmatter.get("requirements", ""))
    module_name = f"{kind}_{name}"
    module = types.ModuleType(module_name)
    sys.modules[module_name] = module
    handle = tempfile.NamedTemporaryFile("w", suffix=".py", delete=False, encoding="utf-8")
    try:
        handle.write(content)
        handle.close()
        module.__dict__["__file__"] = handle.name
        exec(content, module.__dict__)
    except BaseException:
        sys.modules.pop(module_name, None)
        raise
    finally:
        os.unlink(handle.name)
    if kind == "tool":
        if not hasattr(module, "Tools"):
            raise RuntimeError("No Tools class found in the module")
        return module.Tools(), "tool", frontmatter
    for class_name, function_type in (("Pipe", "pipe"), ("Filter", "filter"), ("Action", "action")):
        if hasattr(module, class_name):
            return getattr(module, class_name)(), function_type, frontmatter
    raise RuntimeError("No Function class found in the module")


def model_schema(instance, class_name):
    model = getattr(instance, class_name, None)
    return model.model_json_schema() if inspect.isclass(model) and issubclass(model, BaseModel) else None


def describe(instance, function_type, frontmatter):
    info = {
        "type": function_type,
        "frontmatter": frontmatter,
        "valves_spec": model_schema(instance, "Valves"),
        "user_valves_spec": model_schema(instance, "UserValves"),
        "has_user_valves": hasattr(instance, "UserValves"),
        "methods": [m for m in ("pipe", "pipes", "inlet", "outlet", "stream", "action") if callable(getattr(instance, m, None))],
        "has_pipes": hasattr(instance, "pipes"),
        "toggle": bool(getattr(instance, "toggle", None)),
        "file_handler": bool(getattr(instance, "file_handler", False)),
        "citation": bool(getattr(instance, "citation", False)),
        "icon": getattr(instance, "icon_url", None) or getattr(instance, "icon", None),
        "name": getattr(instance, "name", None) if isinstance(getattr(instance, "name", None), str) else None,
        "actions": getattr(instance, "actions", None) if isinstance(getattr(instance, "actions", None), list) else None,
    }
    if function_type == "tool":
        info["specs"] = tool_specs(instance)
    return info


def ensure_module(request):
    key = (request["kind"], request["name"])
    content = request.get("content")
    entry = MODULES.get(key)
    if content is not None:
        digest = hashlib.sha256(content.encode()).hexdigest()
        if entry is None or entry["hash"] != digest:
            instance, function_type, frontmatter = load_module(request["kind"], request["name"], content)
            entry = {"hash": digest, "instance": instance, "info": describe(instance, function_type, frontmatter)}
            MODULES[key] = entry
    if entry is None:
        raise LookupError("not loaded")
    return entry


# ---- tool specs (an OpenAI function spec per public method, from its signature and docstring) ----


def parse_description(docstring):
    if not docstring:
        return ""
    lines = []
    for line in (part.strip() for part in docstring.strip().split("\n")):
        if re.match(r":param", line) or re.match(r":return", line):
            break
        lines.append(line)
    return "\n".join(lines)


def parse_param_descriptions(docstring):
    found = {}
    for line in (docstring or "").splitlines():
        match = re.match(r":param (\w+):\s*(.+)", line.strip())
        if match and not match.group(1).startswith("__"):
            found[match.group(1)] = match.group(2)
    return found


def method_model(method):
    hints = get_type_hints(method)
    descriptions = parse_param_descriptions(method.__doc__)
    fields = {}
    for name, parameter in inspect.signature(method).parameters.items():
        hint = hints.get(name, Any)
        default = parameter.default if parameter.default is not parameter.empty else ...
        description = descriptions.get(name)
        fields[name] = (hint, Field(default, description=description)) if description else (hint, default)
    model = create_model(method.__name__, **fields)
    model.__doc__ = parse_description(method.__doc__)
    return model


def dereference(schema, definitions):
    if isinstance(schema, dict):
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            target = definitions.get(ref.split("/")[-1], {})
            rest = {k: v for k, v in schema.items() if k != "$ref"}
            return dereference({**target, **rest}, definitions)
        return {k: dereference(v, definitions) for k, v in schema.items()}
    if isinstance(schema, list):
        return [dereference(item, definitions) for item in schema]
    return schema


def without_titles(schema, parent=""):
    kept = {}
    for key, value in schema.items():
        if key == "title" and not (parent == "properties" and isinstance(value, dict)):
            continue
        kept[key] = without_titles(value, key) if isinstance(value, dict) else value
    return kept


def function_spec(model):
    schema = model.model_json_schema()
    definitions = schema.pop("$defs", {})
    schema = dereference(schema, definitions)
    title = schema.pop("title", "")
    description = schema.pop("description", "")
    return {"name": title, "description": description, "parameters": without_titles(schema)}


def tool_methods(instance):
    for name in dir(instance):
        value = getattr(instance, name)
        if callable(value) and not name.startswith("__") and not inspect.isclass(value):
            yield value


def tool_specs(instance):
    return [function_spec(method_model(method)) for method in tool_methods(instance)]


# ---- calls ----


def apply_valves(instance, request):
    """The stored valves, or the defaults when none are stored (as Open WebUI does per call)."""
    valves_class = getattr(instance, "Valves", None)
    if hasattr(instance, "valves") and inspect.isclass(valves_class):
        values = {k: v for k, v in (request.get("valves") or {}).items() if v is not None}
        instance.valves = valves_class(**values)


def user_valves(instance, request):
    user_valves_class = getattr(instance, "UserValves", None)
    if not inspect.isclass(user_valves_class):
        return None
    try:
        return user_valves_class(**(request.get("user_valves") or {}))
    except Exception:
        return user_valves_class()


def event_functions(call_id):
    async def emit(event):
        send({"id": call_id, "emit": event})

    async def ask(event):
        NEXT_ASK[0] += 1
        req = NEXT_ASK[0]
        future = asyncio.get_running_loop().create_future()
        PENDING_ASKS[req] = future
        send({"id": call_id, "ask": event, "req": req})
        try:
            return await future
        finally:
            PENDING_ASKS.pop(req, None)

    return emit, ask


def arguments_for(handler, instance, request):
    """The call's own arguments plus the extras (__user__, __metadata__, ...) the handler declares."""
    parameters = inspect.signature(handler).parameters
    emit, ask = event_functions(request["id"]) if request.get("events") else (None, None)
    extras = {
        **(request.get("extras") or {}),
        "__event_emitter__": emit,
        "__event_call__": ask,
        "__request__": None,
    }
    if "__tools__" in parameters:
        extras["__tools__"] = tools_for(request, extras)
    args = dict(request.get("args") or {})
    for key, value in extras.items():
        if key in parameters:
            args[key] = value
    if "__user__" in args and isinstance(args["__user__"], dict):
        valves = user_valves(instance, request)
        if valves is not None:
            args["__user__"] = {**args["__user__"], "valves": valves}
    return args


def tools_for(request, extras):
    """A pipe's __tools__: the request's Python tools, each method a coroutine taking the model's arguments."""
    tools = {}
    for tool in request.get("tools") or []:
        entry = MODULES.get(("tool", tool["id"]))
        if entry is None:
            continue
        instance = entry["instance"]
        apply_valves(instance, tool)
        for spec in entry["info"].get("specs", []):
            method = getattr(instance, spec["name"], None)
            if method is None:
                continue
            tool_request = {**request, "extras": {**extras, "__id__": tool["id"]}, "user_valves": tool.get("user_valves")}
            bound = arguments_for(method, instance, {**tool_request, "args": {}})
            bound.pop("__tools__", None)

            async def call(_method=method, _bound=bound, **kwargs):
                return await invoke(_method, {**kwargs, **_bound})

            name = spec["name"]
            while name in tools:
                name = f"{tool['id']}_{name}"
            tools[name] = {"tool_id": tool["id"], "callable": call, "spec": spec, "metadata": {}}
    return tools


async def invoke(handler, args):
    if inspect.iscoroutinefunction(handler):
        return await handler(**args)
    return await asyncio.to_thread(lambda: handler(**args))


def message_template(model):
    return {
        "id": f"{model}-{uuid.uuid4()}",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "logprobs": None, "finish_reason": None}],
    }


def chunk_template(model, content=None, reasoning_content=None, tool_calls=None, usage=None):
    template = {**message_template(model), "object": "chat.completion.chunk"}
    parts = (("content", content), ("reasoning_content", reasoning_content), ("tool_calls", tool_calls))
    delta = {key: value for key, value in parts if value}
    template["choices"][0]["delta"] = delta
    if not delta:
        template["choices"][0]["finish_reason"] = "stop"
    if usage:
        template["usage"] = usage
    return template


def completion_template(model, message=None, reasoning_content=None, tool_calls=None, usage=None):
    template = {**message_template(model), "object": "chat.completion"}
    if message is not None:
        extra = {key: value for key, value in (("reasoning_content", reasoning_content), ("tool_calls", tool_calls)) if value}
        template["choices"][0]["message"] = {"role": "assistant", "content": message, **extra}
    template["choices"][0]["finish_reason"] = "stop"
    if usage:
        template["usage"] = usage
    return template


def sse_line(model, line):
    if isinstance(line, BaseModel):
        line = "data: " + line.model_dump_json()
    if isinstance(line, dict):
        line = "data: " + json.dumps(line, default=to_json)
    if isinstance(line, bytes):
        line = line.decode("utf-8", "replace")
    if not isinstance(line, str):
        line = str(line)
    if line.startswith("data:"):
        return line + "\n\n"
    return "data: " + json.dumps(chunk_template(model, line)) + "\n\n"


async def iterate(result):
    """Yields what a generator (sync or async) or a streaming response produces."""
    if hasattr(result, "body_iterator"):
        result = result.body_iterator
    if inspect.isasyncgen(result) or hasattr(result, "__aiter__"):
        async for item in result:
            yield item
        return
    done = object()
    iterator = iter(result)
    while True:
        item = await asyncio.to_thread(next, iterator, done)
        if item is done:
            return
        yield item


def is_stream(result):
    if isinstance(result, (str, bytes, dict, list, BaseModel)) or result is None:
        return False
    return hasattr(result, "body_iterator") or hasattr(result, "__aiter__") or hasattr(result, "__next__")


async def stream_pipe(request, result, model):
    call_id = request["id"]
    if isinstance(result, dict):
        send({"id": call_id, "chunk": "data: " + json.dumps(result, default=to_json) + "\n\n"})
        return
    if isinstance(result, str):
        send({"id": call_id, "chunk": sse_line(model, result)})
    elif is_stream(result):
        async for line in iterate(result):
            send({"id": call_id, "chunk": sse_line(model, line)})
    if isinstance(result, str) or inspect.isgenerator(result):
        finish = chunk_template(model, "")
        send({"id": call_id, "chunk": "data: " + json.dumps(finish) + "\n\n"})
        send({"id": call_id, "chunk": "data: [DONE]"})


async def whole_answer(result, model):
    """A pipe's answer without streaming: dicts as they are, anything else as a completion."""
    if isinstance(result, dict):
        return result
    if isinstance(result, BaseModel):
        return result.model_dump()
    if is_stream(result):
        result = "".join([str(item) async for item in iterate(result)])
    return completion_template(model, result)


async def call(request):
    entry = ensure_module(request)
    instance = entry["instance"]
    method = request["method"]
    apply_valves(instance, request)
    if method == "pipes" and not callable(getattr(instance, "pipes", None)):
        return getattr(instance, "pipes", [])
    handler = getattr(instance, method, None)
    if not callable(handler) or method.startswith("__"):
        raise AttributeError(f"{request['name']} has no {method}")
    args = arguments_for(handler, instance, request)
    result = await invoke(handler, args)
    if method == "pipe":
        model = (request.get("args") or {}).get("body", {}).get("model", "")
        if request.get("stream"):
            await stream_pipe(request, result, model)
            return None
        return await whole_answer(result, model)
    if inspect.isawaitable(result):
        result = await result
    return result


def format_code(request):
    """black's formatting (Open WebUI's code editor saves through it); installs black if missing."""
    try:
        import black
    except ImportError:
        install_requirements("black")
        import black
    try:
        return black.format_str(request["code"], mode=black.Mode())
    except black.NothingChanged:
        return request["code"]


def validate(request):
    instance = ensure_module(request)["instance"]
    valves_class = getattr(instance, request["which"], None)
    if not inspect.isclass(valves_class):
        raise LookupError(f"no {request['which']}")
    values = {k: v for k, v in (request.get("data") or {}).items() if v is not None}
    return valves_class(**values).model_dump(exclude_unset=True)


async def handle(request):
    op = request.get("op")
    try:
        # Loading may install requirements and formatting may install black: off the event loop.
        if op == "load":
            value = (await asyncio.to_thread(ensure_module, request))["info"]
        elif op == "call":
            value = await call(request)
        elif op == "validate":
            value = validate(request)
        elif op == "format":
            value = await asyncio.to_thread(format_code, request)
        else:
            raise ValueError(f"unknown op {op}")
        send({"id": request["id"], "ok": value})
    except asyncio.CancelledError:
        send({"id": request["id"], "error": "cancelled"})
    except BaseException as error:  # user code may raise anything, SystemExit included
        if op == "call":
            traceback.print_exc()
        send({"id": request["id"], "error": describe_error(error)})


def describe_error(error):
    text = str(error)
    return text if text else type(error).__name__


async def main():
    loop = asyncio.get_running_loop()
    queue = asyncio.Queue()

    def read_stdin():
        for line in sys.stdin:
            loop.call_soon_threadsafe(queue.put_nowait, line)
        loop.call_soon_threadsafe(queue.put_nowait, None)

    threading.Thread(target=read_stdin, daemon=True).start()
    send({"ready": True, "python": sys.version.split()[0]})
    while True:
        line = await queue.get()
        if line is None:
            break
        try:
            request = json.loads(line)
        except ValueError:
            continue
        if request.get("op") == "cancel":
            running = RUNNING.get(request.get("target"))
            if running:
                running.cancel()
            continue
        if request.get("op") == "reply":
            future = PENDING_ASKS.get(request.get("req"))
            if future and not future.done():
                future.set_result(request.get("result"))
            continue
        task = asyncio.create_task(handle(request))
        RUNNING[request.get("id")] = task
        task.add_done_callback(lambda done, key=request.get("id"): RUNNING.pop(key, None))


if __name__ == "__main__":
    install_open_webui_helpers()
    asyncio.run(main())
