#pragma once
// Where publications go: the WebSocket fan-out today, a database or a Kafka topic next. The
// engine loop hands every publication to each sink and knows nothing else about them.

#include "../wire/publication.hpp"

namespace rtrisk_live {

/// A consumer of publications. consume() runs on the engine thread and must not block: a sink
/// passes the (immutable, shared) publication to its own thread or bounded queue, with a written
/// policy for when that is full.
class sink {
public:
    virtual ~sink() = default;
    virtual void consume(const publication_ptr& p) = 0;
};

} // namespace rtrisk_live
