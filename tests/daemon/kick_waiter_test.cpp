// A queue thread's wait for kicks: each kick is one event, though the kick
// fd's counter is never read back.
#include "common/event_fd.hpp"
#include "vhost/kick_waiter.hpp"

#include <catch2/catch.hpp>

using namespace vfsd;
using Event = vhost::KickWaiter::Event;

TEST_CASE("a kick is seen once, and the next wait sees only what came after it", "[kick_waiter]") {
    EventFd kick, wake;
    vhost::KickWaiter waiter(kick.get(), wake.get());
    kick.signal();
    CHECK(waiter.wait() == Event::Kicked);
    // The counter is still non-zero, yet the old kick is not reported again.
    wake.signal();
    CHECK(waiter.wait() == Event::Woken);
    CHECK(wake.drain());
    kick.signal();
    CHECK(waiter.wait() == Event::Kicked);
    wake.signal();
    CHECK(waiter.wait() == Event::Woken);
}

TEST_CASE("a kick that came before the waiter was made is not lost", "[kick_waiter]") {
    EventFd kick, wake;
    kick.signal();
    vhost::KickWaiter waiter(kick.get(), wake.get());
    CHECK(waiter.wait() == Event::Kicked);
}
