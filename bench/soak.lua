-- wrk script for the soak: mostly point lookups, with searches, territory cards, labels and tiles, as
-- the map sends them. Seeded, so every run asks the same mix.
math.randomseed(7)
local searches = {"Vervins", "Lyon", "Saint-Flour", "Thiérache", "Brest", "63000", "Aurillac", "Annecy"}
local function point()
  return 41.3 + math.random() * 9.8, -5.2 + math.random() * 14.8
end
request = function()
  local r = math.random(100)
  if r <= 80 then
    local lat, lon = point()
    return wrk.format("GET", string.format("/api/locate?lat=%.5f&lon=%.5f", lat, lon))
  elseif r <= 88 then
    return wrk.format("GET", "/api/search?q=" .. searches[math.random(#searches)]:gsub("é", "%%C3%%A9"))
  elseif r <= 92 then
    return wrk.format("GET", "/api/territories/pays/200051118")
  elseif r <= 96 then
    return wrk.format("GET", "/api/labels?zoom=8&bbox=2.5,45.0,4.5,46.5")
  else
    local x, y = 31 + math.random(0, 3), 21 + math.random(0, 3)
    return wrk.format("GET", string.format("/tiles/pays/6/%d/%d.mvt", x, y))
  end
end
