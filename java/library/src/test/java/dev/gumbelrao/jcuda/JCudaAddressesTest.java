package dev.gumbelrao.jcuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.runtime.cudaStream_t;
import org.junit.jupiter.api.Test;

/** Reading JCuda addresses needs no GPU and no JCuda natives: this runs everywhere. */
class JCudaAddressesTest {
  /** A pointer with a chosen native address, as cudaMalloc would leave it. */
  private static final class At extends Pointer {
    At(long address) {
      super(address);
    }
  }

  @Test
  void addressesIncludeTheByteOffset() {
    assertEquals(0x1000, JCudaAddresses.address(new At(0x1000)));
    assertEquals(0x1040, JCudaAddresses.address(new At(0x1000).withByteOffset(0x40)));
    assertEquals(0, JCudaAddresses.address(new CUdeviceptr()));
    assertEquals(0, JCudaAddresses.address(null));
    assertEquals(0, JCudaAddresses.address(Pointer.to(new float[4])));
  }

  @Test
  void streamsAreCuStreamOrCudaStreamT() {
    assertEquals(0, JCudaAddresses.stream(new cudaStream_t()));
    assertEquals(0, JCudaAddresses.stream(null));
    assertThrows(IllegalArgumentException.class, () -> JCudaAddresses.stream(new CUdeviceptr()));
  }
}
