from __future__ import annotations

from pydantic import BaseModel, Field


class MatchOut(BaseModel):
    product_id: int
    image_id: int
    brand: str
    hash_kind: str = Field(description="phash, dhash or pdq: the hash kind that carried the "
                           "match; orb: verified local features (keypoints + RANSAC fit)")
    distance: int = Field(description="Hamming distance of that hash kind; for orb, the "
                          "number of geometrically consistent keypoints (inliers)")
    region: str = Field(description="query region that matched: full, trim, cell-N, photo, "
                        "...; for orb, box:x0,y0,x1,y1, the catalog photo's frame mapped "
                        "into the query (pixels, clipped to the image)")
    confidence: float = Field(ge=0, le=1)


class ImageMatches(BaseModel):
    matches: list[MatchOut] = Field(description="best first; empty when nothing matches")
    best: MatchOut | None


class MatchResponse(BaseModel):
    results: list[ImageMatches] = Field(description="one per image, in request order")
