"""Wire types shared by several API areas."""

from __future__ import annotations

import re
from typing import Annotated, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

__all__ = ["Prompt", "ScopeValue", "StrictModel", "ThresholdOptions"]

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


MAX_SCOPE_VALUE = 256


def _no_control_chars(value: str) -> str:
    if _CONTROL.search(value):
        raise ValueError("control characters are not allowed")
    return value


def _check_prompt(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty or only whitespace")
    return value.replace("\x00", "")


ScopeValue = Annotated[str, Field(max_length=MAX_SCOPE_VALUE), AfterValidator(_no_control_chars)]
Prompt = Annotated[str, Field(min_length=1, max_length=32_000), AfterValidator(_check_prompt)]


class StrictModel(BaseModel):
    """Unknown fields are an error: a typo such as `treshold` must not be silently ignored."""

    model_config = ConfigDict(extra="forbid")


class ThresholdOptions(BaseModel):
    """A request's own threshold: at most one of the two forms; it can only tighten the server's."""

    similarity_threshold: float | None = Field(default=None, ge=0.0, le=1.0, description="may only tighten")
    distance_threshold: float | None = Field(default=None, ge=0.0, le=2.0, description="may only tighten")

    @model_validator(mode="after")
    def _one_threshold(self) -> Self:
        if self.similarity_threshold is not None and self.distance_threshold is not None:
            raise ValueError("give at most one of `similarity_threshold` or `distance_threshold`")
        return self

    def requested_distance(self) -> float | None:
        if self.similarity_threshold is not None:
            return 1.0 - self.similarity_threshold
        return self.distance_threshold


class ErrorBody(BaseModel):
    code: str
    message: str
    detail: object | None = None


class ErrorResponse(BaseModel):
    error: ErrorBody
