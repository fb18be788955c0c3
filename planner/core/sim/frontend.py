"""The API server in front of the engine: HTTP handling, tokenization, detokenization and streaming.

vLLM's and SGLang's API servers are Python processes (TensorRT-LLM's `trtllm-serve` too; TGI's router is
Rust): every request costs CPU time when it arrives (parsing, tokenizing the prompt) and every streamed
token costs time on the way out (detokenizing, encoding the SSE chunk). One FIFO server models it: work
queues when it is busy, so under load requests reach the engine late and clients see tokens late, and the
server caps the request rate a replica can take however fast its GPUs are. Where the runtime detokenizes in
a process of its own (SGLang's DetokenizerManager), streaming is a second FIFO server beside ingest: first
tokens do not wait for a flood of queued requests to be tokenized.
"""

from __future__ import annotations


class FrontEnd:
    """A FIFO server for request ingest and output streaming, or one for each."""

    __slots__ = ("request_s", "prompt_token_s", "output_token_s", "free_at_s", "busy_s", "streamer")

    def __init__(self, request_s: float, prompt_token_s: float, output_token_s: float,
                 separate_detokenizer: bool = False) -> None:
        self.request_s = request_s
        self.prompt_token_s = prompt_token_s
        self.output_token_s = output_token_s
        self.free_at_s = 0.0
        """When the server finishes the work it has queued."""
        self.busy_s = 0.0
        """Total work done, seconds."""
        self.streamer = FrontEnd(0.0, 0.0, output_token_s) if separate_detokenizer else self
        """The server that streams output: this one, or the detokenizer process."""

    def _job(self, ready_s: float, cost_s: float) -> float:
        """FIFO: a job starts when it is ready and the work queued before it is done."""
        start = ready_s if ready_s > self.free_at_s else self.free_at_s
        self.free_at_s = start + cost_s
        self.busy_s += cost_s
        return self.free_at_s

    def ingest(self, arrival_s: float, prompt_tokens: int) -> float:
        """When a request sent at `arrival_s` reaches the engine."""
        return self._job(arrival_s, self.request_s + self.prompt_token_s * prompt_tokens)

    def stream(self, ready_s: float, tokens: int) -> float:
        """When clients receive `tokens` tokens the engine produced at `ready_s`."""
        return self.streamer._job(ready_s, self.output_token_s * tokens)

    @property
    def busiest_s(self) -> float:
        """Work done by the busier of the API server and (if separate) the detokenizer, seconds."""
        return max(self.busy_s, self.streamer.busy_s)
