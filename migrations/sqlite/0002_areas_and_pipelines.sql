-- Service areas (辖区) of repair teams, patrol areas (巡线区域) of patrol teams and their
-- pipeline segments. Geometry is a GeoJSON geometry object in WGS84 (lon, lat); the spatial
-- indexes are built in memory from it. Kept equivalent to the PostgreSQL migration.

CREATE TABLE service_areas (
    id          BLOB PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL,
    team_id     BLOB NOT NULL REFERENCES teams (id),
    -- Where areas overlap, the higher priority wins.
    priority    INTEGER NOT NULL DEFAULT 0,
    district    TEXT,
    street      TEXT,
    geometry    TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX service_areas_team ON service_areas (team_id);

CREATE TABLE patrol_areas (
    id          BLOB PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL UNIQUE,
    team_id     BLOB NOT NULL REFERENCES teams (id),
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

CREATE TABLE pipeline_segments (
    id              BLOB PRIMARY KEY NOT NULL,
    patrol_area_id  BLOB NOT NULL REFERENCES patrol_areas (id),
    pressure_class  TEXT NOT NULL CHECK (pressure_class IN ('low', 'medium', 'sub_high', 'high')),
    material        TEXT,
    diameter_mm     INTEGER,
    geometry        TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE INDEX pipeline_segments_area ON pipeline_segments (patrol_area_id);
