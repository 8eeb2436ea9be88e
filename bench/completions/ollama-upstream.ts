// A fake Ollama node for the benchmarks, in its own process: bun bench/completions/ollama-upstream.ts <port>
import { startFakeOllama } from "../../test/fakes/ollama";

const node = startFakeOllama({ port: Number(process.argv[2] ?? 0), models: ["llama3:latest", "qwen2:7b", "phi3:mini"] });
console.log(`ready ${new URL(node.url).port}`);
