-- Service areas (辖区) of repair teams, patrol areas (巡线区域) of patrol teams and their
-- pipeline segments. Geometry is a GeoJSON geometry object in WGS84 (lon, lat); the spatial
-- indexes are built in memory from it. Kept equivalent to the SQLite migration.

CREATE TABLE service_areas (
    id          UUID PRIMARY KEY,
    name        TEXT NOT NULL,
    team_id     UUID NOT NULL REFERENCES teams (id),
    -- Where areas overlap, the higher priority wins.
    priority    BIGINT NOT NULL DEFAULT 0,
    district    TEXT,
    street      TEXT,
    geometry    JSONB NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX service_areas_team ON service_areas (team_id);

CREATE TABLE patrol_areas (
    id          UUID PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    team_id     UUID NOT NULL REFERENCES teams (id),
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE pipeline_segments (
    id              UUID PRIMARY KEY,
    patrol_area_id  UUID NOT NULL REFERENCES patrol_areas (id),
    pressure_class  TEXT NOT NULL CHECK (pressure_class IN ('low', 'medium', 'sub_high', 'high')),
    material        TEXT,
    diameter_mm     BIGINT,
    geometry        JSONB NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX pipeline_segments_area ON pipeline_segments (patrol_area_id);
