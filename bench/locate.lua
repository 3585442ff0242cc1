-- wrk script: GET /api/locate at random points in metropolitan France's bounding box.
math.randomseed(42)
request = function()
  local lat = 41.3 + math.random() * 9.8
  local lon = -5.2 + math.random() * 14.8
  return wrk.format("GET", string.format("/api/locate?lat=%.5f&lon=%.5f", lat, lon))
end
